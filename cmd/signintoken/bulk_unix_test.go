//go:build unix

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
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
	// With room again, the resume finds a consistent state: everyone else minted once, the
	// unknown users never sent again.
	code, resumed, errOut := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out, "--rate", "100000/1s", "--concurrency", "32")
	if code != exitError || !slices.Equal(listedUnknown(resumed), stateUnknown) {
		t.Errorf("resume: exit %d, want 1 listing %v\n%s\n%s", code, stateUnknown, resumed, errOut)
	}
	perUser := fake.tokensPerUser()
	for _, user := range ids {
		// An unknown user may hold no token: its intent was written, then the run stopped
		// before sending, and the not-sent mark could not be written either.
		if n := len(perUser[user]); n > 1 || n == 0 && !slices.Contains(stateUnknown, user) {
			t.Errorf("%s holds %d tokens", user, n)
		}
	}
}

// TestBulkRevokeSignalWhileReadingLinks: an undo whose links file is a pipe that has not
// ended (a process substitution, a FIFO whose writer hangs) stops at once on SIGINT or
// SIGTERM, exit 1, as bulk create does while reading its input. It used to sit in the read:
// the first signal did nothing, and only a second one ended it.
func TestBulkRevokeSignalWhileReadingLinks(t *testing.T) {
	fake := startBulkFake(t)
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		fifo := filepath.Join(t.TempDir(), "links.jsonl")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bulkBin(t), "bulk", "revoke", "--in", fifo)
		cmd.Env = append(withoutClerk(os.Environ()), fake.keyEnv()...)
		stopsOnSignal(t, cmd, sig, func() {
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // returns once the command opened it
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { w.Close() })
			io.WriteString(w, `{"user_id":"user_a","id":"sit_a"`) // and then nothing, for ever
			time.Sleep(300 * time.Millisecond)
		})
	}
}

// TestBulkRefusesAStateOthersCanDelete: a state in a directory another user can write (one
// they own, or one open to all without the sticky bit) is refused before anything is sent:
// that user could delete or rename it between two runs, and the next run, finding no state,
// would mint a second token for every user the first one minted.
func TestBulkRefusesAStateOthersCanDelete(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to make a directory another user owns")
	}
	for _, c := range []struct {
		name string
		make func(dir string) error
	}{
		{"owned by another user", func(dir string) error { return os.Chown(dir, 4242, 4242) }},
		{"writable by all, not sticky", func(dir string) error { return os.Chmod(dir, 0o777) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := startBulkFake(t)
			in, _ := writeUsersCSV(t, 2)
			dir := filepath.Join(t.TempDir(), "shared")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := c.make(dir); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", filepath.Join(dir, "links.jsonl"))
			if code != exitUsage || !strings.Contains(stderr, dir) {
				t.Errorf("exit %d, want 2 naming %s\n%s", code, dir, stderr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the refused run left files: %v", entries)
			}
			if n := len(fake.Tokens()); n != 0 {
				t.Errorf("%d tokens minted", n)
			}
		})
	}
}
