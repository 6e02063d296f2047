#!/usr/bin/env bash
# Installs llama.cpp as a reference runtime for Lathe's GGUF export: node-llama-cpp 3.22.1 with its
# prebuilt CPU binaries (@node-llama-cpp/linux-x64), into bench/llamacpp/node_modules (gitignored).
#
# Everything comes from the npm registry; nothing is downloaded or compiled later:
#   --omit=optional      node-llama-cpp lists every platform's binaries (CUDA and Vulkan ones are
#                        hundreds of MB) as optional dependencies; we name the CPU one explicitly.
#   --ignore-scripts     skips node-llama-cpp's postinstall, which would otherwise try to download
#                        llama.cpp's source and build it when it thinks the prebuilt binary is unfit.
#   NODE_LLAMA_CPP_SKIP_DOWNLOAD=true  the same switch for any script that runs anyway.
# At run time bench/llamacpp/run.mjs calls getLlama({gpu: false, build: "never", usePrebuiltBinaries:
# true, progressLogs: false, skipDownload: true}) so that a failure is an error, never a download.
#
# Usage: scripts/llamacpp-setup.sh   (idempotent; prints the installed versions)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/bench/llamacpp"
command -v node >/dev/null || { echo "llamacpp-setup: node is not installed (apt-get install nodejs npm)" >&2; exit 1; }
command -v npm >/dev/null || { echo "llamacpp-setup: npm is not installed (apt-get install npm)" >&2; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "llamacpp-setup: node-llama-cpp 3.22 needs node >= 20, found $(node --version)" >&2
  exit 1
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "llamacpp-setup: only Linux x86_64 is set up here (found $(uname -s)-$(uname -m))" >&2
  exit 1
fi
export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
cd "$dir"
npm install --no-audit --no-fund --omit=optional --ignore-scripts --no-save \
  node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1
node -e '
  const v = (p) => require("./node_modules/" + p + "/package.json").version;
  console.log("node-llama-cpp " + v("node-llama-cpp") + ", @node-llama-cpp/linux-x64 " + v("@node-llama-cpp/linux-x64"));
'
