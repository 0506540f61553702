//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestBulkFullDiskNeverHidesAToken: the state file stops growing mid-run (RLIMIT_FSIZE: a
// full disk, a quota), while requests are in flight. Their tokens exist, but the state still
// shows each such user's intent, so a resume lists the user unknown and never sends again.
// The run's own summary must say so too: a user holding a token the state could not record is
// listed under "unknown users", never counted as "remaining (not started; run again to
// resume)", which is what an operator would then act on.
func TestBulkFullDiskNeverHidesAToken(t *testing.T) {
	fake := startBulkFake(t)
	in, ids := writeUsersCSV(t, 3000)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	// 200 KiB: the state's first growth (to 128 KiB) fits, the next (to 256 KiB) fails.
	cmd := exec.Command("sh", "-c", `ulimit -f 200 && exec "$@"`, "sh", bulkBin(t),
		"bulk", "create", "--in", in, "--out", out, "--rate", "100000/1s", "--concurrency", "32")
	cmd.Env = append(withoutClerk(os.Environ()), fake.keyEnv()...)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	cmd.Wait()
	timer.Stop()
	if code := cmd.ProcessState.ExitCode(); code != exitError {
		t.Fatalf("exit %d, want 1 (the state could not be written)\n%s\n%s", code, stdout.String(), stderr.String())
	}
	minted, stateUnknown := stateOf(t, out+".state")
	if len(minted) == len(ids) {
		t.Fatalf("every user minted: the file size limit did not bite\n%s", stderr.String())
	}
	summaryUnknown := listedUnknown(stdout.String())
	for _, u := range stateUnknown {
		if !slices.Contains(summaryUnknown, u) {
			t.Errorf("the state lists %s unknown (a resume will not send for it), but the run's summary does not", u)
		}
	}
	for user, toks := range fake.tokensPerUser() {
		if _, ok := minted[user]; !ok && !slices.Contains(summaryUnknown, user) {
			t.Errorf("%s holds %d token(s) on the server, but the state holds none and the summary does not list the user unknown", user, len(toks))
		}
	}
	if t.Failed() {
		t.Logf("summary:\n%s\n%s", stdout.String(), stderr.String())
	}
}
