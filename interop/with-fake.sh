#!/usr/bin/env bash
# Usage: with-fake.sh SIGNINTOKEN_BINARY [FAKE_FLAG...] -- COMMAND [ARG...]
#
# Runs COMMAND against a fresh `signintoken fake`, with CLERK_API_URL and CLERK_SECRET_KEY set
# to the two lines the fake printed, then stops the fake. Fails when COMMAND fails, or when the
# fake saw an unexpected contract violation (it exits 3) or a fake error (4), and prints a
# summary. The fake leaves nothing behind: it is stopped on every path out, and
# --exit-with-parent stops it even if this script is killed with SIGKILL. This is the CI
# recipe of docs/fake-in-ci.md.
set -euo pipefail
bin=$1; shift
fake_flags=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do fake_flags+=("$1"); shift; done
[ $# -gt 1 ] || { echo "usage: $0 SIGNINTOKEN_BINARY [FAKE_FLAG...] -- COMMAND [ARG...]" >&2; exit 2; }
shift

dir=$(mktemp -d)
mkfifo "$dir/out"
"$bin" fake --addr 127.0.0.1:0 --exit-with-parent "${fake_flags[@]}" >"$dir/out" &
fake=$!
trap 'kill "$fake" 2>/dev/null || true; wait "$fake" 2>/dev/null || true; rm -rf "$dir"' EXIT
exec 3<"$dir/out"

# Ready: the fake prints its two lines once it is listening; wait for them, at most 30 s.
read -r -t 30 api_url <&3 && read -r -t 30 secret_key <&3 || {
  echo "with-fake.sh: the fake did not start" >&2; exit 1
}
case "$api_url/$secret_key" in
  CLERK_API_URL=http://*/CLERK_SECRET_KEY=sk_test_*) export "$api_url" "$secret_key" ;;
  *) echo "with-fake.sh: unexpected lines from the fake" >&2; exit 1 ;;
esac

status=0
"$@" || status=$?

kill -TERM "$fake" 2>/dev/null || true # it may have died already: wait says how
fake_status=0
wait "$fake" || fake_status=$?
trap 'rm -rf "$dir"' EXIT
if [ "$fake_status" -ne 0 ]; then
  echo "with-fake.sh: the fake exited $fake_status (3: unexpected contract violations; 4: a fake error; listed above)" >&2
  [ "$status" -ne 0 ] || status=$fake_status
fi
exit "$status"
