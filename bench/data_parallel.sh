#!/usr/bin/env bash
# Data-parallel training on one machine: the same LoRA run (same model, data, global batch of 4 examples,
# steps) as one process with one thread, one process with two threads, and two processes with one thread
# each (lathe-cli train --nproc-per-node 2). Prints tokens/s over the run's steps.
#
# usage: bench/data_parallel.sh [BUILD_DIR] [SHAPE ...]     (SHAPE: a bench-shapes name; default 85m)
#        FULL=1 adds full fine-tuning on two processes with the gradient sums overlapped (ddp_bucket_cap_mb
#        25) and not (one bucket).
# Needs a build with bench-shapes (-DLATHE_BUILD_BENCH=ON) and lathe-cli.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
shift || true
shapes=("${@:-85m}")
[ ${#shapes[@]} -gt 0 ] || shapes=(85m)
cli="$build/bin/lathe-cli"
[ -x "$build/bin/bench-shapes" ] || { echo "data_parallel: $build/bin/bench-shapes not found (configure with -DLATHE_BUILD_BENCH=ON)" >&2; exit 1; }
work=/tmp/lathe-bench-ddp
mkdir -p "$work"
steps=${STEPS:-6}
cutoff=${CUTOFF:-256}

# tokens/s of a finished run: every token it trained on over train_runtime (start-up of the model excluded,
# the first step included).
rate() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + "/train_results.json"))
print(f"{r['total_tokens'] / r['train_runtime']:.1f} {r['train_runtime']:.1f}")
PY
}

printf "| shape | run | threads per process | tokens/s | runtime (s) |\n|---|---|---|---|---|\n"
for shape in "${shapes[@]}"; do
  model="$work/$shape"
  [ -f "$model/model.safetensors" ] || "$build/bin/bench-shapes" --shape "$shape" --out "$model" >/dev/null
  cat > "$work/$shape.yaml" <<YAML
model_name_or_path: $model
stage: sft
finetuning_type: lora
lora_target: all
dataset: alpaca_en_demo
dataset_dir: $PWD/datasets
template: default
cutoff_len: $cutoff
max_steps: $steps
logging_steps: 1
save_steps: 0
learning_rate: 1.0e-4
overwrite_output_dir: true
YAML
  run() {  # name, then lathe-cli arguments
    local name=$1; shift
    local out="$work/$shape-$name"
    "$cli" train "$work/$shape.yaml" "output_dir=$out" "$@" >/dev/null 2>"$out.err" || { cat "$out.err" >&2; exit 1; }
    read -r tps secs < <(rate "$out")
    echo "$tps $secs"
  }
  read -r a as < <(run one-1t per_device_train_batch_size=4 gradient_accumulation_steps=1 threads=1)
  printf "| %s | 1 process | 1 | %s | %s |\n" "$shape" "$a" "$as"
  read -r b bs < <(run one-2t per_device_train_batch_size=4 gradient_accumulation_steps=1 threads=2)
  printf "| %s | 1 process | 2 | %s | %s |\n" "$shape" "$b" "$bs"
  read -r c cs < <(run two-1t per_device_train_batch_size=2 gradient_accumulation_steps=1 threads=1 --nproc-per-node 2)
  printf "| %s | 2 processes | 1 | %s | %s |\n" "$shape" "$c" "$cs"
  if [ -n "${FULL:-}" ]; then
    # Full fine-tuning on two processes: gradient sums started during the backward (buckets of 25 MB) against
    # one bucket summed after it (what the sums cost when nothing overlaps them).
    read -r d ds < <(run full-25 finetuning_type=full per_device_train_batch_size=2 gradient_accumulation_steps=1 threads=1 ddp_bucket_cap_mb=25 --nproc-per-node 2)
    printf "| %s | 2 processes, full, buckets of 25 MB (overlapped) | 1 | %s | %s |\n" "$shape" "$d" "$ds"
    read -r e es < <(run full-one finetuning_type=full per_device_train_batch_size=2 gradient_accumulation_steps=1 threads=1 ddp_bucket_cap_mb=65536 --nproc-per-node 2)
    printf "| %s | 2 processes, full, one bucket (after the backward) | 1 | %s | %s |\n" "$shape" "$e" "$es"
  fi
done
