#!/usr/bin/env bash
# Inference at real size: Lathe's f32 / bf16 / int8 weights against llama.cpp's F32 and Q8_0 GGUF of the
# same random weights (Qwen2.5-0.5B and 1.5B shapes), on the same threads. Prints one markdown table:
# decode tokens/s, prompt tokens/s (a 512-token prompt), time to first token from a cold process (load +
# prefill of an 8-token prompt + one token; the page cache is warm) and peak RSS of the whole process;
# then the peak RSS of each runtime with no model loaded.
#
# usage: bench/inference_vs_llamacpp.sh [BUILD_DIR]
#   env: SHAPES="qwen2.5-0.5b qwen2.5-1.5b", THREADS=2, NEW=64, RUNS=3, WORK=/tmp/lathe-infer-bench,
#        ENGINES="lathe f32,lathe bf16,lathe int8,llama.cpp F32,llama.cpp Q8_0" (a subset skips the others'
#        exports too: a 3.8B model's F32 weights alone take 15 GB; "lathe int8 general" runs Lathe with
#        LATHE_DECODE_STEP=0, the layers through LibTorch's operators, as before core/model/decode_step.h)
# Needs: lathe-cli and bench-shapes (-DLATHE_BUILD_BENCH=ON), node and scripts/llamacpp-setup.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
cli="$build/bin/lathe-cli"
shapes_bin="$build/bin/bench-shapes"
run="$here/bench/llamacpp/run.mjs"
shapes="${SHAPES:-qwen2.5-0.5b qwen2.5-1.5b}"
threads="${THREADS:-2}"
new="${NEW:-64}"
runs="${RUNS:-3}"
work="${WORK:-/tmp/lathe-infer-bench}"
[ -x "$cli" ] && [ -x "$shapes_bin" ] || { echo "inference_vs_llamacpp: build lathe-cli and bench-shapes first" >&2; exit 1; }
[ -f "$here/bench/llamacpp/node_modules/node-llama-cpp/package.json" ] || { echo "inference_vs_llamacpp: run scripts/llamacpp-setup.sh first" >&2; exit 1; }
mkdir -p "$work"

ids() { node -e "const n=+process.argv[1];const a=[];for(let i=0;i<n;i++)a.push(100+(i*7919)%150000);console.log(a.join(','))" "$1"; }
median() { node -e 'const v=process.argv.slice(1).map(Number).sort((a,b)=>a-b);console.log(v[Math.floor(v.length/2)])' "$@"; }
short="$(ids 8)"
long="$(ids 512)"

# Lathe: prints "decode_tps prefill_ms load_s peak_kb" for one lathe-cli generate run.
lathe_run() {  # model weights prompt new [general]
  local err; err="$(mktemp)"
  LATHE_DECODE_STEP="$([ "${5:-}" = general ] && echo 0 || echo 1)" /usr/bin/time -f "peak_kb %M" "$cli" generate --model "$1" --weights "$2" --prompt-ids "$3" --max-new-tokens "$4" \
    --temperature 0 --ids --threads "$threads" > /dev/null 2> "$err"
  node -e '
    const t = require("fs").readFileSync(process.argv[1], "utf8");
    const ttft = +/time to first token ([0-9.]+) ms/.exec(t)[1], tps = +/, ([0-9.]+) tokens\/s/.exec(t)[1];
    const load = +/loaded in ([0-9.]+) s/.exec(t)[1], kb = +/peak_kb ([0-9]+)/.exec(t)[1];
    console.log(tps, ttft, load, kb);' "$err"
  rm -f "$err"
}
# llama.cpp through node-llama-cpp: the same four numbers.
llama_run() {  # gguf prompt new
  local out err; err="$(mktemp)"
  out="$(/usr/bin/time -f "peak_kb %M" node "$run" --model "$1" --tokens "$2" --n-predict "$3" --threads "$threads" 2> "$err")"
  node -e '
    const j = JSON.parse(process.argv[1]); const kb = +/peak_kb ([0-9]+)/.exec(require("fs").readFileSync(process.argv[2], "utf8"))[1];
    console.log(j.decode_tokens_per_s, j.ttft_ms, j.load_ms / 1000, kb);' "$out" "$err"
  rm -f "$err"
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, threads $threads; $(date -u +%Y-%m-%d)"
echo
echo "| shape | engine | weights | decode tokens/s | prompt tokens/s (512) | first token, cold process (s) | peak RSS (MB) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for shape in $shapes; do
  dir="$work/$shape"
  [ -f "$dir/config.json" ] || "$shapes_bin" --shape "$shape" --out "$dir" > /dev/null
  IFS=, read -r -a engines <<< "${ENGINES:-lathe f32,lathe bf16,lathe int8,llama.cpp F32,llama.cpp Q8_0}"
  for q in f32 q8_0; do
    case ",${ENGINES:-llama.cpp F32,llama.cpp Q8_0}," in *",llama.cpp ${q^^},"*) ;; *) continue ;; esac
    gguf="$work/$shape-gguf-$q"
    if [ -z "$(ls "$gguf"/*.gguf 2>/dev/null)" ]; then
      printf "model_name_or_path: %s\nexport_dir: %s\nexport_format: gguf\nexport_quantization: %s\nexport_overwrite: true\n" \
        "$dir" "$gguf" "$q" > "$work/export.yaml"
      "$cli" export "$work/export.yaml" > /dev/null
    fi
  done
  gguf_of() { ls "$work/$shape-gguf-$(echo "$1" | tr 'A-Z' 'a-z')"/*.gguf; }
  # Rounds over all engines, so that the VM's bandwidth, which drifts by 10-40% over minutes, drifts
  # for every engine alike; each engine's median over the rounds.
  declare -A tps=() cold=() rss=()
  for r in $(seq "$runs"); do
    for engine in "${engines[@]}"; do
      set -- $engine
      if [ "$1" = lathe ]; then read -r a b c d < <(lathe_run "$dir" "$2" "$short" "$new" "${3:-}")
      else read -r a b c d < <(llama_run "$(gguf_of "$2")" "$short" "$new"); fi
      tps[$engine]+="$a "; cold[$engine]+="$(node -e "console.log(+process.argv[1] + process.argv[2] / 1000)" "$c" "$b") "
      rss[$engine]+="$d "
    done
  done
  for engine in "${engines[@]}"; do
    set -- $engine
    if [ "$1" = lathe ]; then read -r a b c d < <(lathe_run "$dir" "$2" "$long" 1 "${3:-}")
    else read -r a b c d < <(llama_run "$(gguf_of "$2")" "$long" 1); fi
    pp="$(node -e "console.log((512 / (process.argv[1] / 1000)).toFixed(1))" "$b")"
    printf "| %s | %s | %s | %.1f | %s | %.2f | %.0f |\n" "$shape" "$1${3:+ ($3 path)}" "$2" "$(median ${tps[$engine]})" "$pp" \
      "$(median ${cold[$engine]})" "$(node -e "console.log(Math.max(...process.argv.slice(1).map(Number)) / 1024)" ${rss[$engine]})"
  done
  unset tps cold rss
done

# What a process holds before it holds a model: the floor under every peak RSS above. Lathe: lathe-cli
# with Debian's LibTorch loaded (its 289 libraries and the operator registry's static initialisers) and
# nothing else; llama.cpp: node with node-llama-cpp's CPU backend loaded and no model.
floor_lathe="$(/usr/bin/time -f "%M" "$cli" --help 2>&1 > /dev/null | tail -1)"
floor_llama="$(/usr/bin/time -f "%M" node "$run" --backend-only 2>&1 > /dev/null | tail -1)"
echo
printf "Peak RSS of the runtime alone, no model: Lathe %.0f MB (lathe-cli --help), llama.cpp %.0f MB (node with its CPU backend loaded).\n" \
  "$(node -e "console.log(process.argv[1] / 1024)" "$floor_lathe")" "$(node -e "console.log(process.argv[1] / 1024)" "$floor_llama")"
