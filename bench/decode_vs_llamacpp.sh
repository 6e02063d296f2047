#!/usr/bin/env bash
# Decode speed of Lathe vs llama.cpp on the same random Llama weights (15M and 110M parameters),
# fp32 on the CPU, and the quality of quantized GGUF exports against F32. Prints markdown tables.
#
# usage: bench/decode_vs_llamacpp.sh [BUILD_DIR]
#   env: THREADS="1 2" (thread counts), NEW=128 (generated tokens), PROMPT=32 (prompt tokens),
#        PRESETS="15m 110m", TOKENIZER=<a Llama 2 tokenizer folder> (default ../shared/tokenizers/llama2)
# Needs: a build with bench-decode (-DLATHE_BUILD_BENCH=ON), node and scripts/llamacpp-setup.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
bin="$build/bin/bench-decode"
run="$here/bench/llamacpp/run.mjs"
threads="${THREADS:-1 2}"
new="${NEW:-128}"
prompt="${PROMPT:-32}"
presets="${PRESETS:-15m 110m}"
tok="${TOKENIZER:-}"
for candidate in "$here/../shared/tokenizers/llama2" "$here/../../shared/tokenizers/llama2" /work/shared/tokenizers/llama2; do
  [ -z "$tok" ] && [ -f "$candidate/tokenizer.model" ] && tok="$candidate"
done
[ -x "$bin" ] || { echo "decode_vs_llamacpp: $bin not found (configure with -DLATHE_BUILD_BENCH=ON and build bench-decode)" >&2; exit 1; }
[ -n "$tok" ] || { echo "decode_vs_llamacpp: no Llama 2 tokenizer folder found; set TOKENIZER" >&2; exit 1; }
[ -f "$here/bench/llamacpp/node_modules/node-llama-cpp/package.json" ] || { echo "decode_vs_llamacpp: run scripts/llamacpp-setup.sh first" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The prompt bench-decode uses: BOS then 100 + (i * 7919) % 31000.
ids="$(node -e "const n=+process.argv[1];const a=[1];for(let i=1;i<n;i++)a.push(100+(i*7919)%31000);console.log(a.join(','))" "$prompt")"
median() { node -e 'const v=process.argv.slice(1).map(Number).sort((a,b)=>a-b);console.log(v[Math.floor(v.length/2)])' "$@"; }
field() { node -e 'const j=JSON.parse(process.argv[1]);const v=j[process.argv[2]];console.log(Array.isArray(v)?v.join(","):v)' "$1" "$2"; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d)"
echo
echo "| model | threads | engine | time to first token (ms) | decode tokens/s | Lathe / llama.cpp | first 8 greedy ids agree |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for preset in $presets; do
  "$bin" --preset "$preset" --write "$work/$preset" --tokenizer "$tok" > "$work/$preset-export.jsonl"
  gguf="$work/$preset/gguf-f32/bench-F32.gguf"
  for t in $threads; do
    lathe="$("$bin" --preset "$preset" --threads "$t" --new-tokens "$new" --prompt-tokens "$prompt" --repeat 3)"
    l_tps="$(field "$lathe" decode_tokens_per_s)"; l_ttft="$(field "$lathe" ttft_ms)"; l_ids="$(field "$lathe" first_ids)"
    tps=(); ttft=(); c_ids=""
    for r in 1 2 3; do
      out="$(node "$run" --model "$gguf" --tokens "$ids" --n-predict "$new" --threads "$t" 2>/dev/null)"
      tps+=("$(field "$out" decode_tokens_per_s)"); ttft+=("$(field "$out" ttft_ms)")
      c_ids="$(node -e 'console.log(JSON.parse(process.argv[1]).generated.slice(0,8).join(","))' "$out")"
    done
    c_tps="$(median "${tps[@]}")"; c_ttft="$(median "${ttft[@]}")"
    ratio="$(node -e "console.log((+process.argv[1]/+process.argv[2]).toFixed(2))" "$l_tps" "$c_tps")"
    agree="$([ "$l_ids" = "$c_ids" ] && echo yes || echo "no ($l_ids vs $c_ids)")"
    printf "| %s | %s | Lathe (LibTorch fp32) | %.1f | %.1f | %s | %s |\n" "$preset" "$t" "$l_ttft" "$l_tps" "$ratio" "$agree"
    printf "| %s | %s | llama.cpp (F32 GGUF) | %.1f | %.1f | | |\n" "$preset" "$t" "$c_ttft" "$c_tps"
  done
done

# Quantized exports of the first preset against its F32 export, teacher-forced on a 256-token sequence.
first="${presets%% *}"
seq="$(node -e "const a=[1];for(let i=1;i<256;i++)a.push(100+(i*104729)%31000);console.log(a.join(','))")"
echo
echo "| $first export | top-1 agreement with F32 | perplexity | size (MB) |"
echo "| --- | --- | --- | --- |"
ref="$(node "$run" --model "$work/$first/gguf-f32/bench-F32.gguf" --tokens "$seq" --n-predict 0 --threads 1 --perplexity 2>/dev/null)"
for q in F32 Q8_0 Q4_0 Q4_K_M; do
  lower="$(echo "$q" | tr 'A-Z' 'a-z')"
  file="$work/$first/gguf-$lower/bench-$q.gguf"
  out="$(node "$run" --model "$file" --tokens "$seq" --n-predict 0 --threads 1 --perplexity 2>/dev/null)"
  node -e '
    const [r, o, q, size] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2]), process.argv[3], +process.argv[4]];
    let agree = 0; r.top1.forEach((t, i) => { agree += o.top1[i] === t; });
    console.log(`| ${q} | ${agree}/${r.top1.length} | ${o.perplexity.ppl.toFixed(2)} | ${(size / 1e6).toFixed(1)} |`);
  ' "$ref" "$out" "$q" "$(stat -c %s "$file")"
done
echo
echo "export timings ($first, threads $(nproc)):"
cat "$work/$first-export.jsonl"
