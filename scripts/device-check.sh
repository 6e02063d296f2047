#!/usr/bin/env bash
# For a GPU machine lent to an issue: builds lathe-cli against this machine's PyTorch LibTorch (CUDA),
# then serves a model folder on the GPU (lathe-cli api --device cuda) and checks its answers over HTTP:
# a greedy chat answer, a stream, and 8 concurrent streams. Everything it prints also goes to $OUT.
# Usage: scripts/device-check.sh MODEL_DIR        (env: OUT, default /tmp/device-check)
#        scripts/device-check.sh --pack-deps      (here, on Debian 12: fills build-deps/, see below)
#
# The GPU machines seen so far (2026-12-04: H200, PyTorch 2.11 + CUDA 13.0) have cmake, nlohmann-json,
# yaml-cpp and sentencepiece but not the pcre2, ICU and cpp-httplib headers. --pack-deps copies those
# headers and libraries from this Debian machine into build-deps/ (ignored by git, about 41 MB), which the
# device tool carries: run --pack-deps here, then on the device, carrying saves/starter and build-deps,
# `OUT=$OUT scripts/device-check.sh saves/starter`.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--pack-deps" ]; then
  d=build-deps L=/usr/lib/x86_64-linux-gnu
  rm -rf $d && mkdir -p $d/include $d/lib/pkgconfig
  cp /usr/include/pcre2.h /usr/include/httplib.h /usr/include/zlib.h /usr/include/zconf.h $d/include/
  cp -r /usr/include/unicode /usr/include/brotli /usr/include/openssl $d/include/
  cp /usr/include/x86_64-linux-gnu/openssl/*.h $d/include/openssl/
  for f in libpcre2-8.so.0 libicuuc.so.72 libicudata.so.72 libcpp-httplib.so.0.11 libbrotlicommon.so.1 \
           libbrotlidec.so.1 libbrotlienc.so.1; do cp -L $L/$f $d/lib/; done
  # Linker scripts stand in for the unversioned links (the carry copies files, not links).
  for pair in pcre2-8:libpcre2-8.so.0 icuuc:libicuuc.so.72 icudata:libicudata.so.72 cpp-httplib:libcpp-httplib.so.0.11; do
    echo "INPUT(${pair#*:})" > "$d/lib/lib${pair%%:*}.so"
  done
  printf 'prefix=${pcfiledir}/../..\nName: libpcre2-8\nDescription: PCRE2\nVersion: 10.42\nLibs: -L${prefix}/lib -lpcre2-8\nCflags: -I${prefix}/include\n' > $d/lib/pkgconfig/libpcre2-8.pc
  printf 'prefix=${pcfiledir}/../..\nName: icu-uc\nDescription: ICU common\nVersion: 72.1\nLibs: -L${prefix}/lib -licuuc -licudata\nCflags: -I${prefix}/include\n' > $d/lib/pkgconfig/icu-uc.pc
  du -sh $d
  exit 0
fi
model=${1:?usage: scripts/device-check.sh MODEL_DIR}
out=${OUT:-/tmp/device-check}
mkdir -p "$out"
exec > >(tee "$out/log.txt") 2>&1

echo "== machine"
nproc
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c 'import torch;print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'
for p in cmake ccache nlohmann-json3-dev libyaml-cpp-dev libpcre2-dev libicu-dev libsentencepiece-dev libcpp-httplib-dev; do
  dpkg-query -W -f='${Package} ${Version} ${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" && echo "have $p" || echo "MISSING $p"
done

echo "== build (engine and lathe-cli only)"
prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
# Libraries the machine lacks may be carried in build-deps/ (headers, .so files, .pc files).
if [ -d build-deps ]; then
  prefix="$prefix;$PWD/build-deps"
  export PKG_CONFIG_PATH="$PWD/build-deps/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  export LD_LIBRARY_PATH="$PWD/build-deps/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
start=$(date +%s)
if ! cmake -S . -B build-cuda -DCMAKE_BUILD_TYPE=Release -DLATHE_BUILD_UI=OFF -DLATHE_BUILD_TESTS=OFF \
     -DLATHE_BUILD_BENCH=OFF -DCMAKE_PREFIX_PATH="$prefix" > "$out/configure.txt" 2>&1; then
  tail -25 "$out/configure.txt"; exit 1
fi
if ! cmake --build build-cuda -j"$(nproc)" --target lathe-cli > "$out/build.txt" 2>&1; then
  grep -E "error|Error" "$out/build.txt" | head -40; exit 1
fi
echo "built in $(( $(date +%s) - start )) s"
cli=build-cuda/bin/lathe-cli
ldd $cli | grep "not found" || echo "every library found"

echo "== generate on cuda"
$cli generate --model "$model" --prompt "Hello" --max-new-tokens 16 --temperature 0 --device cuda || exit 1

echo "== serve on cuda"
$cli api --model "$model" --device cuda --port 0 > "$out/api.out" 2> "$out/api.err" &
pid=$!
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$out/api.out")
  [ -n "$port" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.2
done
[ -n "$port" ] || { cat "$out/api.err"; exit 1; }
head -2 "$out/api.out"
url=http://127.0.0.1:$port/v1/chat/completions
ask() { curl -s "$url" -H 'Content-Type: application/json' -d "{\"messages\": [{\"role\": \"user\", \"content\": \"$1\"}], \"max_tokens\": $2, \"temperature\": 0$3}"; }
ask "Who are you?" 32 ""; echo
ask "Who are you?" 12 ', "stream": true' | tail -4
t0=$(date +%s.%N)
for i in 1 2 3 4 5 6 7 8; do ask "Question $i: who are you?" 64 ', "stream": true' > "$out/stream-$i.txt" & done
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null
echo "8 concurrent streams of 64 tokens: $(python3 -c "print(round($(date +%s.%N) - $t0, 2))") s, $(grep -l 'data: \[DONE\]' "$out"/stream-*.txt | wc -l) of 8 complete"
kill -INT $pid; wait $pid; echo "server exit $?"
tail -12 "$out/api.err"
