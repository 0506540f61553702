#!/usr/bin/env bash
# The Action's scripts in a simulated runner: RUNNER_TEMP, GITHUB_ENV, GITHUB_OUTPUT and
# GITHUB_STEP_SUMMARY are files in a temporary directory, RUNNER_OS/RUNNER_ARCH say Linux X64,
# and the binary is SIGNINTOKEN_TEST_BINARY (make action-test builds it). Each test starts
# from a fresh runner directory. Ends with "N passed, N failed"; exits 1 when any failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${SIGNINTOKEN_TEST_BINARY:?set SIGNINTOKEN_TEST_BINARY to a built signintoken}
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
passed=0 failed=0 n=0

# Every fake a test started is stopped at the end, whatever happened.
stop_all() { for p in "$work"/*/runner/signintokens-fake/pid; do [ -f "$p" ] && kill -KILL "$(cat "$p")" 2>/dev/null; done; true; }

runner() { # a fresh simulated runner; sets $r
  n=$((n + 1)); r="$work/$n"; mkdir -p "$r/runner"; : >"$r/env"; : >"$r/output"; : >"$r/summary"
}
r=
in_runner() { # in_runner SCRIPT [VAR=VALUE...]: run an action script in runner $r; output in $r/stdout, $r/stderr
  local script=$1; shift
  env RUNNER_TEMP="$r/runner" GITHUB_ENV="$r/env" GITHUB_OUTPUT="$r/output" GITHUB_STEP_SUMMARY="$r/summary" \
    RUNNER_OS=Linux RUNNER_ARCH=X64 "$@" "$here/$script" >"$r/stdout" 2>"$r/stderr"
}
check() { # check NAME FUNCTION: a test, in a fresh runner, stopping at its first failing command
  runner
  # A statement of its own: bash ignores set -e in a subshell whose status an if, && or || tests.
  ( set -e; "$2" )
  rc=$?
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); echo "ok - $1"
  else failed=$((failed + 1)); echo "FAIL - $1"; for f in "$work"/$n/{stdout,stderr}; do [ -s "$f" ] && sed "s/^/    $(basename "$f"): /" "$f" | head -20; done; fi
}
gone() { # gone PID: the process ends within 10 s
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && return 0; sleep 0.1; done; return 1
}
exported() { grep "^$1=" "$r/env" | cut -d= -f2-; }

# A release directory as GitHub serves it: v0.9.0/<archive> and v0.9.0/checksums.txt.
release="$work/release"
mkdir -p "$release/v0.9.0"
tar -czf "$release/v0.9.0/signintoken_0.9.0_linux_amd64.tar.gz" -C "$(dirname "$bin")" "$(basename "$bin")" 2>/dev/null ||
  { echo "the test binary must be named signintoken"; exit 1; }
(cd "$release/v0.9.0" && sha256sum signintoken_0.9.0_linux_amd64.tar.gz >checksums.txt)

# A binary whose health check fails its first 3 tries (or, HEALTH=never, every try), and is
# the real one otherwise: start.sh must wait for health, and give up when it never comes.
stub="$work/stub/signintoken"
mkdir -p "$(dirname "$stub")"
cat >"$stub" <<STUB
#!/usr/bin/env bash
if [ "\$1" = healthcheck ]; then
  [ "\${HEALTH:-}" != never ] || exit 1
  tries=\$(( \$(cat "$work/stub/tries" 2>/dev/null || echo 0) + 1 )); echo \$tries >"$work/stub/tries"
  [ \$tries -gt 3 ] || { echo "not yet" >&2; exit 1; }
  exit 0
fi
exec "$bin" "\$@"
STUB
chmod +x "$stub"

# Each test is a function run with set -e, so each line is an assertion: one command per line
# (bash ignores set -e inside && lists and after !), and `fails CMD` for a command that must fail.
fails() { if "$@"; then echo "succeeded, but should have failed: $*" >&2; return 1; fi; }

t_install_binary() {
  in_runner install.sh INPUT_BINARY="$bin"
  [ "$(cat "$r/stdout")" = "$bin" ]
}
check "install: the binary input is used as is" t_install_binary

t_install_release() {
  in_runner install.sh INPUT_VERSION=v0.9.0 SIGNINTOKEN_RELEASE_BASE="file://$release"
  [ "$(cat "$r/stdout")" = "$r/runner/signintokens-fake/v0.9.0/signintoken" ]
  "$(cat "$r/stdout")" version | grep -q '^signintoken '
}
check "install: a release's archive for Linux X64, checked against checksums.txt" t_install_release

t_install_tampered() {
  cp -R "$release" "$r/release"
  echo tampered >>"$r/release/v0.9.0/signintoken_0.9.0_linux_amd64.tar.gz"
  fails in_runner install.sh INPUT_VERSION=v0.9.0 SIGNINTOKEN_RELEASE_BASE="file://$r/release"
  grep -q 'does not match its checksum' "$r/stderr"
  [ ! -e "$r/runner/signintokens-fake/v0.9.0/signintoken" ]
}
check "install: an archive that does not match checksums.txt is refused, nothing unpacked" t_install_tampered

t_install_ref() {
  in_runner install.sh ACTION_REF=v0.9.0 SIGNINTOKEN_RELEASE_BASE="file://$release"
  runner
  fails in_runner install.sh ACTION_REF=main
  grep -q "set 'version: vX.Y.Z'" "$r/stderr"
  runner
  fails in_runner install.sh INPUT_VERSION='v1; rm -rf /'
  grep -q 'not a release tag' "$r/stderr"
}
check "install: the version is the action's tag by default; a branch or a bad version is refused" t_install_ref

t_install_windows() {
  fails in_runner install.sh INPUT_VERSION=v0.9.0 RUNNER_OS=Windows
  grep -q 'Linux and macOS' "$r/stderr"
}
check "install: a Windows runner is refused with the reason" t_install_windows

t_waits_for_health() {
  rm -f "$work/stub/tries"
  in_runner start.sh INPUT_BINARY="$stub"
  [ "$(cat "$work/stub/tries")" = 4 ] # three failures, then healthy
  grep -qE '^CLERK_API_URL=http://127\.0\.0\.1:[0-9]+$' "$r/env"
  grep -qE '^CLERK_SECRET_KEY=sk_test_' "$r/env"
  grep -qF "::add-mask::$(exported CLERK_SECRET_KEY)" "$r/stdout"
  grep -qF "api-url=$(exported CLERK_API_URL)" "$r/output"
  pid=$(cat "$r/runner/signintokens-fake/pid")
  # A later step: the exported variables reach the fake.
  CLERK_API_URL=$(exported CLERK_API_URL) CLERK_SECRET_KEY=$(exported CLERK_SECRET_KEY) "$bin" create --user user_action --json 2>/dev/null | grep -q '"status":"pending"'
  in_runner stop.sh
  grep -qE 'signintoken fake: [0-9]+ requests?, 0 (contract|unexpected) violations' "$r/stdout"
  grep -qE '0 (contract|unexpected) violations' "$r/summary"
  gone "$pid"
}
check "start waits for the health check, exports both variables; stop exits 0 and leaves nothing" t_waits_for_health

t_never_healthy() {
  fails in_runner start.sh INPUT_BINARY="$stub" HEALTH=never
  grep -q 'did not answer its health check' "$r/stderr"
  [ ! -s "$r/env" ]
  [ ! -e "$r/runner/signintokens-fake/pid" ]
  fails pgrep -f "summary-json $r/runner/"
}
check "start gives up on a fake that never becomes healthy, and stops it" t_never_healthy

t_bad_flags() {
  fails in_runner start.sh INPUT_BINARY="$bin" INPUT_RATE_LIMIT=0/10s
  grep -q 'did not start' "$r/stderr"
  grep -q 'rate-limit' "$r/stderr"
  [ ! -s "$r/env" ]
}
check "start fails with the fake's reason when it cannot start" t_bad_flags

t_stop_unstarted() {
  fails in_runner stop.sh
  grep -q 'no fake to stop' "$r/stderr"
}
check "stop without a start fails" t_stop_unstarted

# With the real binary: its health endpoint (GET /__clienttest/health) and SIGNINTOKEN_FAKE_KEY.
t_real() {
  in_runner start.sh INPUT_BINARY="$bin" INPUT_USERS=user_action
  fails in_runner start.sh INPUT_BINARY="$bin"
  grep -q 'already started' "$r/stderr"
  CLERK_API_URL=$(exported CLERK_API_URL) CLERK_SECRET_KEY=$(exported CLERK_SECRET_KEY) "$bin" create --user user_action --json 2>/dev/null | grep -q '"status":"pending"'
  in_runner stop.sh
}
check "the released binary: start, create, stop exits 0" t_real

t_violation() {
  in_runner start.sh INPUT_BINARY="$bin"
  pid=$(cat "$r/runner/signintokens-fake/pid")
  curl -s -o /dev/null -X POST -H "Authorization: Bearer $(exported CLERK_SECRET_KEY)" -H 'Content-Type: application/json' \
    --data '{"user_id":"user_action","expires_in_seconds":"soon"}' "$(exported CLERK_API_URL)/v1/sign_in_tokens"
  fails in_runner stop.sh
  grep -q "broke Clerk's contract" "$r/stderr"
  grep -qE '1 (contract|unexpected) violation' "$r/stdout"
  grep -qE '1 (contract|unexpected) violation' "$r/summary"
  gone "$pid"
}
check "a contract violation fails the stop step, with the summary" t_violation

t_key() {
  key=sk_test_actionkey0123456789abcdefghij
  in_runner start.sh INPUT_BINARY="$bin" INPUT_KEY=$key
  pid=$(cat "$r/runner/signintokens-fake/pid")
  grep -qF "::add-mask::$key" "$r/stdout"
  fails grep -qF "$key" "/proc/$pid/cmdline"
  [ "$(exported CLERK_SECRET_KEY)" = "$key" ]
  in_runner stop.sh
}
check "the key input reaches the fake in its environment, masked, never on its command line" t_key
t_key_lines() {
  # A key of several lines: ::add-mask:: masks its first line only, and each later line would
  # be read by the runner as a workflow command of its own (here a warning; ::set-output, a
  # mask of something else, ::stop-commands:: just as well). It is refused before it is printed.
  fails in_runner start.sh INPUT_BINARY="$bin" INPUT_KEY=$'sk_test_actionkey0123456789abcdefghij\n::warning::injected'
  fails grep -q '^::warning::' "$r/stdout" "$r/stderr"
  fails grep -qF 'actionkey0123456789' "$r/stdout" "$r/stderr"
  grep -q 'key: not an sk_test_ key on one line' "$r/stderr"
  [ ! -e "$r/runner/signintokens-fake/pid" ]
  [ ! -s "$r/env" ]
}
check "a key input of several lines is refused before it is printed: no workflow command injected" t_key_lines
t_stop_after_crash() {
  # The fake ended long before the stop step (it crashed, or was killed): its process id may
  # belong to another process by then. stop reads the status and signals nothing. Here a
  # process of the test stands for that other process.
  in_runner start.sh INPUT_BINARY="$bin"
  kill -KILL "$(cat "$r/runner/signintokens-fake/pid")"
  for _ in $(seq 100); do [ -f "$r/runner/signintokens-fake/status" ] && break; sleep 0.1; done
  sleep 60 &
  other=$!
  echo "$other" >"$r/runner/signintokens-fake/pid"
  fails in_runner stop.sh
  grep -q 'the fake exited 137' "$r/stderr"
  kill -0 "$other"
  kill "$other"
}
check "stop after the fake already ended signals no process that took over its id" t_stop_after_crash

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
