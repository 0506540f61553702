#!/usr/bin/env bash
# start.sh: the Action's start mode. Installs signintoken (install.sh), starts the fake on a
# free loopback port for the rest of the job, waits until its health endpoint answers, and
# exports CLERK_API_URL and CLERK_SECRET_KEY to later steps through GITHUB_ENV (the key masked
# in the log first). The fake outlives this step: a small background shell runs it and writes
# its exit status to $RUNNER_TEMP/signintokens-fake/status when it ends, which the stop mode
# (stop.sh) reads.
set -euo pipefail
fail() { echo "::error title=signintokens fake::$*" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
: "${RUNNER_TEMP:?not set: run inside GitHub Actions (or set RUNNER_TEMP and GITHUB_ENV)}" "${GITHUB_ENV:?not set}"
state="$RUNNER_TEMP/signintokens-fake"
[ ! -e "$state/pid" ] || fail "the fake was already started in this job; stop it first (mode: stop)"
# The key input is checked before anything is installed or printed: ::add-mask:: masks one
# line, and the runner reads every later line of a key with a newline in it as a workflow
# command of its own. The key is not repeated in the error.
if [ -n "${INPUT_KEY:-}" ] && ! [[ "$INPUT_KEY" =~ ^sk_test_[^[:space:][:cntrl:]]+$ ]]; then
  fail "key: not an sk_test_ key on one line (sk_test_ then its value, no spaces or control characters)"
fi
mkdir -p "$state"

bin=$("$here/install.sh")
args=(fake --addr 127.0.0.1:0 --summary-json "$state/summary.json")
[ -z "${INPUT_USERS:-}" ] || args+=(--users "$INPUT_USERS")
[ -z "${INPUT_RATE_LIMIT:-}" ] || args+=(--rate-limit "$INPUT_RATE_LIMIT")
if [ -n "${INPUT_KEY:-}" ]; then
  echo "::add-mask::$INPUT_KEY"
  export SIGNINTOKEN_FAKE_KEY=$INPUT_KEY # the environment, not argv: /proc/PID/cmdline is public
fi

rm -f "$state/ready" "$state/status"
mkfifo "$state/ready"
(
  "$bin" "${args[@]}" >"$state/ready" 2>"$state/log" </dev/null &
  echo $! >"$state/pid"
  code=0
  wait $! || code=$?
  echo "$code" >"$state/status.tmp" && mv "$state/status.tmp" "$state/status"
) </dev/null >/dev/null 2>&1 &
unset SIGNINTOKEN_FAKE_KEY

# Ready: the fake prints CLERK_API_URL=… and CLERK_SECRET_KEY=… once listening (at most 30 s).
exec 3<"$state/ready"
if ! { read -r -t 30 api_url <&3 && read -r -t 30 secret_key <&3; }; then
  exec 3<&-
  cat "$state/log" >&2 || true
  if [ -f "$state/pid" ]; then kill "$(cat "$state/pid")" 2>/dev/null || true; fi
  rm -f "$state/pid"
  fail "the fake did not start (its log is above)"
fi
exec 3<&-
case "$api_url/$secret_key" in
  CLERK_API_URL=http://*/CLERK_SECRET_KEY=sk_test_*) ;;
  *) kill "$(cat "$state/pid")" 2>/dev/null || true; rm -f "$state/pid"; fail "unexpected readiness lines from the fake" ;;
esac
api_url=${api_url#CLERK_API_URL=}
secret_key=${secret_key#CLERK_SECRET_KEY=}
echo "::add-mask::$secret_key"

# Healthy: GET /__clienttest/health answers 200 {"status":"ok"}; at most 50 tries, 0.2 s apart.
healthy=false
for _ in $(seq 50); do
  if "$bin" healthcheck --timeout 2s "$api_url" 2>"$state/health-error"; then healthy=true; break; fi
  sleep 0.2
done
if ! $healthy; then
  cat "$state/health-error" >&2
  kill "$(cat "$state/pid")" 2>/dev/null || true
  rm -f "$state/pid"
  fail "the fake at $api_url did not answer its health check"
fi

{ echo "CLERK_API_URL=$api_url"; echo "CLERK_SECRET_KEY=$secret_key"; } >>"$GITHUB_ENV"
[ -z "${GITHUB_OUTPUT:-}" ] || echo "api-url=$api_url" >>"$GITHUB_OUTPUT"
echo "signintokens fake: serving at $api_url ($("$bin" version)); CLERK_API_URL and CLERK_SECRET_KEY exported"
