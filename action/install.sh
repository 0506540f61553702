#!/usr/bin/env bash
# install.sh: prints the path of the signintoken binary the Action runs: INPUT_BINARY (a local
# build), or the release INPUT_VERSION (default: ACTION_REF when it is a vX.Y.Z tag) for this
# runner's OS and architecture, downloaded from the GitHub release and checked against the
# release's checksums.txt before it is unpacked. SIGNINTOKEN_RELEASE_BASE replaces
# https://github.com/clerkgen/signintokens/releases/download (a mirror, or file:// in tests).
set -euo pipefail
fail() { echo "::error title=signintokens fake::$*" >&2; exit 1; }

if [ -n "${INPUT_BINARY:-}" ]; then
  if [ ! -f "$INPUT_BINARY" ] || [ ! -x "$INPUT_BINARY" ]; then fail "binary: $INPUT_BINARY is not an executable file"; fi
  echo "$INPUT_BINARY"
  exit 0
fi

version=${INPUT_VERSION:-}
if [ -z "$version" ]; then
  case "${ACTION_REF:-}" in
    v[0-9]*.[0-9]*.[0-9]*) version=$ACTION_REF ;;
    *) fail "set 'version: vX.Y.Z': this action is used at '${ACTION_REF:-}', not at a release tag" ;;
  esac
fi
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || fail "version: '$version' is not a release tag like v0.2.0"

case "${RUNNER_OS:-}" in
  Linux) os=linux ;;
  macOS) os=darwin ;;
  *) fail "runner OS '${RUNNER_OS:-}': this action runs on Linux and macOS runners (on Windows, use the binary from the release directly)" ;;
esac
case "${RUNNER_ARCH:-}" in
  X64) arch=amd64 ;;
  ARM64) arch=arm64 ;;
  *) fail "runner architecture '${RUNNER_ARCH:-}': releases are built for X64 and ARM64" ;;
esac

base=${SIGNINTOKEN_RELEASE_BASE:-https://github.com/clerkgen/signintokens/releases/download}
archive="signintoken_${version#v}_${os}_${arch}.tar.gz"
dir="$RUNNER_TEMP/signintokens-fake/$version"
rm -rf "$dir"
mkdir -p "$dir"
for f in "$archive" checksums.txt; do
  curl -fsSL --retry 3 --max-time 120 -o "$dir/$f" "$base/$version/$f" || fail "could not download $base/$version/$f"
done
# The archive's own line of checksums.txt, and nothing else, must verify.
line=$(grep -E "^[0-9a-f]{64}  $archive\$" "$dir/checksums.txt") || fail "checksums.txt of $version lists no $archive"
if command -v sha256sum >/dev/null; then sum=sha256sum; else sum="shasum -a 256"; fi
(cd "$dir" && echo "$line" | $sum -c - >/dev/null) || fail "$archive does not match its checksum in checksums.txt: not installed"
tar -xzf "$dir/$archive" -C "$dir" signintoken || fail "$archive holds no signintoken binary"
echo "$dir/signintoken"
