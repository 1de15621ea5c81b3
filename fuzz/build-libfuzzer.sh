#!/usr/bin/env bash
# Builds libFuzzer + ASan + UBSan binaries of the fuzz targets with clang.
# usage: fuzz/build-libfuzzer.sh OUTPUT_PATH                 the decoder target (fuzz-decode.cc)
#        fuzz/build-libfuzzer.sh --target NAME OUTPUT_PATH   fuzz/fuzz-NAME.cc, e.g. lhp-endpoint
# Run it as: OUTPUT_PATH -max_total_time=60 -artifact_prefix=DIR/ WORK_CORPUS_DIR fuzz/corpus...
# (the growing corpus belongs in a scratch directory; fuzz/corpus*/ hold only the seeds and
# the crash inputs kept as regression tests). The core is compiled once per output directory
# (into core-objs/) and reused by every target; it is rebuilt when a core file changes.
set -euo pipefail

name=decode
if [ "${1:-}" = "--target" ]; then
  [ $# -eq 3 ] || { echo "usage: $0 [--target NAME] OUTPUT_PATH" >&2; exit 2; }
  name=$2
  shift 2
fi
[ $# -eq 1 ] || { echo "usage: $0 [--target NAME] OUTPUT_PATH" >&2; exit 2; }
out=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src="$root/fuzz/fuzz-$name.cc"
[ -f "$src" ] || { echo "$0: no fuzz target $src" >&2; exit 2; }

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

# -fno-sanitize-recover: a UBSan finding must stop the run like an ASan one, so it is reported
# as a crash with its input saved. The core gets the sanitizers and coverage too (its edges
# are what the fuzzer explores), but not the fuzzer's main.
# FUZZ_CXXFLAGS adds flags to the targets only (e.g. -O1 or -DNDEBUG).
# shellcheck disable=SC2054 # the commas are inside -fsanitize=
flags=(-std=c++17 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
  -fno-omit-frame-pointer -Wall -Wextra -I"$root/model/core")
objdir="$(dirname "$out")/core-objs"
mkdir -p "$objdir"
newest_header=$(ls -t "$root"/model/core/*.h | head -n 1)
objs=()
for c in "$root"/model/core/*.cc; do
  o="$objdir/$(basename "${c%.cc}").o"
  if [ ! -f "$o" ] || [ "$c" -nt "$o" ] || [ "$newest_header" -nt "$o" ]; then
    "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$c" -o "$o"
  fi
  objs+=("$o")
done
# shellcheck disable=SC2086
"$cxx" "${flags[@]}" ${FUZZ_CXXFLAGS:-} -fsanitize=fuzzer -I"$root/fuzz" "$src" "${objs[@]}" -o "$out"
echo "built $out"
