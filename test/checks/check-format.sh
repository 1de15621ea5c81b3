#!/usr/bin/env bash
# Fails if a C++ source of the project differs from what clang-format (the repo's
# .clang-format, ns-3 style) makes of it. Fix with: clang-format-14 -i FILE
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
cf=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$cf" ] || { echo "check-format: clang-format-14 not installed (./resoa setup)"; exit 1; }
mapfile -t files < <(git ls-files -- '*.cc' '*.h' 2>/dev/null || find model helper examples test bench fuzz realnet scratch -name '*.cc' -o -name '*.h')
[ "${#files[@]}" -gt 0 ] || { echo "check-format: no files found"; exit 1; }
if "$cf" --dry-run --Werror "${files[@]}"; then
  echo "check-format: ${#files[@]} files clean"
else
  echo "check-format: the files above differ from clang-format's output"
  exit 1
fi
