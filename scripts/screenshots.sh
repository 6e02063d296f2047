#!/usr/bin/env bash
# Renders every tab of the studio offscreen to docs/screenshots/*.png, in English and Korean.
# First it trains what the pictures show: the starter (a tiny model from scratch that learns its name,
# a few minutes on two cores), then a short LoRA run on top of it, so that the Train tab has curves to
# compare and Chat can put the base and the fine-tuned model side by side.
# Usage: scripts/screenshots.sh [OUT_DIR]     (env: LATHE_BUILD_DIR, default build; LATHE_SHOTS_WORK: a
# folder kept between calls, so that the two training runs are done only once)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${LATHE_BUILD_DIR:-build}
out=${1:-docs/screenshots}
for exe in lathe lathe-cli; do
  [ -x "$build/bin/$exe" ] || { echo "screenshots: $build/bin/$exe is missing; build with -DLATHE_BUILD_UI=ON" >&2; exit 1; }
done
# Korean labels need a font with Hangul; without one they render as boxes.
if ! fc-list :lang=ko 2>/dev/null | grep -q .; then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "screenshots: installing fonts-nanum for the Korean screenshots"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends fonts-nanum
fi

if [ -n "${LATHE_SHOTS_WORK:-}" ]; then
  work=$LATHE_SHOTS_WORK
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
saves="$work/saves"
starter="$saves/starter"
lora="$saves/starter/lora/2025-01-01-12-00-00"

if [ ! -f "$starter/model.safetensors" ]; then
  echo "screenshots: training the starter model (a few minutes)"
  "$build/bin/lathe-cli" train examples/starter_new_model_identity.yaml \
    output_dir="$starter" dataset_dir="$PWD/datasets" identity_name=Lathe overwrite_output_dir=true > "$work/starter.log"
fi

cat > "$work/lora.yaml" <<YAML
model_name_or_path: "$starter"
stage: sft
finetuning_type: lora
lora_rank: 16
dataset: identity,alpaca_en_demo
dataset_dir: "$PWD/datasets"
identity_name: Lathe
identity_author: the Lathe team
max_samples: 200
cutoff_len: 256
per_device_train_batch_size: 8
gradient_accumulation_steps: 1
learning_rate: 5.0e-4
max_steps: 60
logging_steps: 2
save_steps: 20
val_size: 0.05
eval_steps: 20
output_dir: "$lora"
YAML
if [ ! -f "$lora/adapter_model.safetensors" ]; then
  echo "screenshots: a short LoRA run on the starter"
  "$build/bin/lathe-cli" train "$work/lora.yaml" overwrite_output_dir=true > "$work/lora.log"
fi

mkdir -p "$out"
QT_QPA_PLATFORM=offscreen "$build/bin/lathe" --screenshots "$out" --saves "$saves" \
  --config "$work/lora.yaml" --model "$starter" --checkpoint "$lora" --compare "$starter" \
  --prompt "Who are you?" --prompt-ko "너는 누구니?"
ls -1 "$out"/*.png
