#!/usr/bin/env bash
# Fuzzes Lathe's readers with libFuzzer: builds the harnesses of tests/fuzz with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer (in the build folder scripts/sanitize.sh uses), gathers a seed corpus for
# each (binary seeds written by Lathe's own writers, text seeds from tests/fuzz/seeds, examples/,
# datasets/ and the shared tokenizers), and runs each harness for a set number of executions. Findings (the input, and the
# sanitizer's or the harness's report) land in $WORK/findings; the script exits 1 if there is any.
#
# usage: scripts/fuzz.sh [RUNS]          RUNS executions per harness (default 20000)
#   env: LATHE_FUZZ_BUILD (build-asan, shared with scripts/sanitize.sh), LATHE_FUZZ_WORK (/tmp/lathe-fuzz),
#        LATHE_FUZZ_ONLY ("gguf dataset"), LATHE_FUZZ_SECONDS (a time limit per harness, default 600), LATHE_JOBS
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${1:-20000}
build=${LATHE_FUZZ_BUILD:-build-asan}
work=${LATHE_FUZZ_WORK:-/tmp/lathe-fuzz}
seconds=${LATHE_FUZZ_SECONDS:-600}
jobs=${LATHE_JOBS:-$(nproc)}
harnesses=${LATHE_FUZZ_ONLY:-"safetensors gguf tokenizer_json tokenizer_config sentencepiece dataset corpus yaml_config chat_template"}

scripts/setup.sh --no-ui --clang --deps-only
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
scripts/configure_sanitized.sh "$build"
targets=(make-fuzz-seeds)
for h in $harnesses; do targets+=("fuzz_$h"); done
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

# ---- seed corpora ----
rm -rf "$work/corpus" "$work/findings"
mkdir -p "$work/corpus" "$work/findings"
for h in $harnesses; do mkdir -p "$work/corpus/$h"; done
"$build/bin/make-fuzz-seeds" "$work/seeds" >/dev/null
cp "$work"/seeds/safetensors/* "$work/corpus/safetensors/" 2>/dev/null || true
cp "$work"/seeds/gguf/* "$work/corpus/gguf/" 2>/dev/null || true
for d in tokenizer_json tokenizer_config dataset chat_template; do
  [ -d "$work/corpus/$d" ] && cp tests/fuzz/seeds/$d/* "$work/corpus/$d/"
done
shared=$root/../shared/tokenizers
if [ -d "$work/corpus/tokenizer_config" ] && [ -d "$shared" ]; then
  for t in "$shared"/*/tokenizer_config.json; do [ -f "$t" ] && cp "$t" "$work/corpus/tokenizer_config/$(basename "$(dirname "$t")").json"; done
fi
if [ -d "$work/corpus/sentencepiece" ] && [ -f "$shared/llama2/tokenizer.model" ]; then
  cp "$shared/llama2/tokenizer.model" "$work/corpus/sentencepiece/llama2.model"
fi
if [ -d "$work/corpus/yaml_config" ]; then  # the first byte picks the reader: even = training, odd = export
  for y in examples/*.yaml; do
    case "$(basename "$y")" in export_*) b='\001' ;; *) b='\000' ;; esac
    { printf "$b"; cat "$y"; } > "$work/corpus/yaml_config/$(basename "$y")"
  done
fi
if [ -d "$work/corpus/dataset" ]; then  # the bundled demo datasets, their first 3 KB (the byte picks json/jsonl/csv/txt)
  for f in datasets/*.json datasets/*.jsonl datasets/*.txt; do
    case "$f" in *dataset_info.json) continue ;; *.jsonl) b='\001' ;; *.json) b='\000' ;; *.txt) b='\003' ;; esac
    { printf "$b"; head -c 3000 "$f"; } > "$work/corpus/dataset/$(basename "$f")"
  done
fi
if [ -d "$work/corpus/corpus" ]; then  # raw corpora for the data workshop (the byte picks the reader: 0 lines,
  # 2 json, 3 jsonl, 4 csv; with 0x80 the column renames), their first 3 KB
  for f in datasets/corpus_demo.txt datasets/raw_web_demo.jsonl datasets/c4_demo.jsonl datasets/sharegpt_demo.json \
           datasets/alpaca_demo_ko.json; do
    case "$f" in *.txt) b='\000' ;; *.jsonl) b='\003' ;; *.json) b='\002' ;; esac
    { printf "$b"; head -c 3000 "$f"; } > "$work/corpus/corpus/$(basename "$f")"
  done
  { printf '\202'; printf 'body,q,a\n"kim@example.com, 010-1234-5678",question,answer\n'; } > "$work/corpus/corpus/renamed.csv"
fi

# ---- runs ----
status=0
printf '%-18s %10s %10s %8s %s\n' harness runs seconds exec/s findings
for h in $harnesses; do
  if [ "$h" = chat_template ] && [ -z "${LATHE_FUZZ_TOKENIZER:-}" ] && [ ! -f "$shared/qwen3/tokenizer.json" ]; then
    echo "chat_template: skipped (no tokenizer: set LATHE_FUZZ_TOKENIZER to a model folder or provide ../shared/tokenizers/qwen3)"
    continue
  fi
  log="$work/$h.log"
  start=$(date +%s.%N)
  set +e
  ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
    "$build/bin/fuzz_$h" -runs="$runs" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/findings/$h-" "$work/corpus/$h" > "$log" 2>&1
  rc=$?
  set -e
  end=$(date +%s.%N)
  done_runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  rate=$(awk -v n="${done_runs:-0}" -v s="$secs" 'BEGIN { printf "%d", n / (s + 0.001) }')
  # crash-, timeout- (a hang past 20 s), oom- (past 4 GB) and leak- artifacts are findings; libFuzzer's
  # slow-unit- ones (over 10 s once, e.g. on a busy machine) are kept for a look but are not.
  found=$(ls "$work/findings" 2>/dev/null | grep -cE "^$h-(crash|timeout|oom|leak)-" || true)
  printf '%-18s %10s %10s %8s %s\n' "$h" "${done_runs:-0}" "$secs" "$rate" "$found"
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    status=1
    echo "  $h: exit $rc; log $log"
    grep -m3 -E "ERROR: |lathe fuzz|runtime error" "$log" | sed 's/^/  /' || true
  fi
done
exit $status
