#!/usr/bin/env bash
# stop.sh: the Action's stop mode. Stops the fake start.sh started (SIGTERM), waits for it (at
# most 30 s), prints its summary, and fails the step when it exited non-zero: 3 means the code
# under test broke Clerk's contract in a way no test said it expected.
set -euo pipefail
fail() { echo "::error title=signintokens fake::$*" >&2; exit 1; }
: "${RUNNER_TEMP:?not set: run inside GitHub Actions (or set RUNNER_TEMP)}"
state="$RUNNER_TEMP/signintokens-fake"
[ -f "$state/pid" ] || fail "no fake to stop: the start step did not run in this job, or it failed"
pid=$(cat "$state/pid")
# Signalled only while it runs: once its status is written the fake is gone, and its process
# id may since belong to another process of the job.
[ -f "$state/status" ] || kill -TERM "$pid" 2>/dev/null || true

# The background shell writes the status once the fake has exited; at most 30 s (the fake
# drains its requests for at most 5 s).
for _ in $(seq 300); do [ -f "$state/status" ] && break; sleep 0.1; done
if [ ! -f "$state/status" ]; then
  kill -KILL "$pid" 2>/dev/null || true
  fail "the fake did not stop within 30 s of SIGTERM; killed"
fi
code=$(cat "$state/status")
rm -f "$state/pid"

echo "::group::signintokens fake: its log"
cat "$state/log"
echo "::endgroup::"
# The summary: the fake's last lines, from "signintoken fake: N requests, M contract violations".
summary=$(awk '/^signintoken fake: [0-9]+ requests?, /{buf=""; on=1} on{buf=buf $0 "\n"} END{printf "%s", buf}' "$state/log")
echo "$summary"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  { echo '### signintokens fake'; echo; echo '```'; echo "$summary"; echo '```'; } >>"$GITHUB_STEP_SUMMARY"
fi
case "$code" in
  0) echo "signintokens fake: no unexpected contract violation" ;;
  3) fail "the code under test broke Clerk's contract (the fake exited 3; the violations are listed above)" ;;
  *) fail "the fake exited $code (4: the fake's own error; 1: another error; see its log above)" ;;
esac
