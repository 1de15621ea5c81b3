#!/usr/bin/env bash
# ./resoa contrib-check: prove the module builds inside a real ns-3 3.37 tree as contrib/resoa.
#
# Gets ns-3 3.37's source from Debian's `ns3` source package (adding a deb-src entry if there
# is none), copies this module into contrib/resoa, configures ns-3 with only resoa (and what it
# depends on) plus examples, and builds the module library and its example. Slow: ns-3 builds
# core, network, internet, wifi, ... from source. Not part of `./resoa test`.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${RESOA_CONTRIB_DIR:-$ROOT/build/contrib-check}
JOBS=${RESOA_JOBS:-$(nproc)}

die() { echo "contrib-check: $*" >&2; exit 1; }

mkdir -p "$WORK"
tree=$(find "$WORK" -maxdepth 3 -name ns3 -type f -path '*ns-3*' -printf '%h\n' 2>/dev/null | head -1 || true)
if [ -z "$tree" ]; then
  if ! apt-get source --print-uris ns3 >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || die "need root to add a deb-src entry for Debian's ns3 source package"
    cat > /etc/apt/sources.list.d/resoa-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt-get update -qq || die "apt-get update failed"
  fi
  command -v dpkg-source >/dev/null || apt-get install -y -qq dpkg-dev
  (cd "$WORK" && apt-get source -qq ns3) || die "apt-get source ns3 failed"
  tree=$(find "$WORK" -maxdepth 3 -name ns3 -type f -path '*ns-3*' -printf '%h\n' | head -1)
  [ -n "$tree" ] || die "no ns-3 tree with an ./ns3 script found under $WORK"
fi
echo "contrib-check: ns-3 tree at $tree"

rm -rf "$tree/contrib/resoa"
mkdir -p "$tree/contrib/resoa"
(cd "$ROOT" && tar --exclude='./build*' --exclude='./.git' --exclude='./results' -cf - .) |
  (cd "$tree/contrib/resoa" && tar -xf -)

cd "$tree"
start=$(date +%s)
cmake -S . -B cmake-cache -G Ninja -DCMAKE_BUILD_TYPE=release -DNS3_ENABLED_MODULES=resoa \
  -DNS3_EXAMPLES=ON -DNS3_TESTS=ON -DNS3_WARNINGS_AS_ERRORS=OFF > "$WORK/configure.log" 2>&1 ||
  { tail -30 "$WORK/configure.log"; die "configure failed (log: $WORK/configure.log)"; }
cmake --build cmake-cache -j "$JOBS" --target libresoa lhp-over-lossy-wifi > "$WORK/build.log" 2>&1 ||
  { tail -40 "$WORK/build.log"; die "build failed (log: $WORK/build.log)"; }
end=$(date +%s)
example=$(find build -name '*lhp-over-lossy-wifi*' -type f -perm -u+x | head -1)
[ -n "$example" ] || die "example binary not found"
echo "contrib-check: built libresoa and $example in $((end - start)) s"
"$example" --bytes=200000 --frameLoss=0.1 | sed 's/^/  /'
echo "contrib-check: OK"
