#!/usr/bin/env bash
# Builds the libFuzzer + ASan + UBSan binary of fuzz/fuzz-decode.cc with clang.
# usage: fuzz/build-libfuzzer.sh OUTPUT_PATH
# Run it as: OUTPUT_PATH -max_total_time=60 -artifact_prefix=DIR/ WORK_CORPUS_DIR fuzz/corpus
# (the growing corpus belongs in a scratch directory; fuzz/corpus holds only the seeds and
# the crash inputs kept as regression tests).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTPUT_PATH" >&2; exit 2; }
out=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian ships versioned clang; prefer the one whose runtime (libclang-rt-14-dev) is installed.
cxx=${CXX_FUZZ:-}
if [ -z "$cxx" ]; then
  for c in clang++-14 clang++; do
    if command -v "$c" >/dev/null 2>&1; then
      cxx=$c
      break
    fi
  done
fi
if [ -z "$cxx" ]; then
  echo "$0: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
# -fno-sanitize-recover: a UBSan finding must stop the run like an ASan one, so it is reported
# as a crash with its input saved.
"$cxx" -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer -Wall -Wextra \
  -I"$root/model/core" \
  "$root/model/core/resoa-codec-error.cc" \
  "$root/model/core/lhp-frame.cc" \
  "$root/model/core/ep-message.cc" \
  "$root/fuzz/fuzz-decode.cc" \
  -o "$out"
echo "built $out"
