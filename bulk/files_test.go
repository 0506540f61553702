package bulk_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/bulk"
)

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// TestTornLastLinesAreCut: what SIGKILL or a power cut leaves at the end of either file, a
// line cut short or a garbled one, is cut off on resume, and the files stay valid JSON lines.
func TestTornLastLinesAreCut(t *testing.T) {
	fake := newFake(t)
	c := fake.client(t)
	f := files(t)
	if _, err := bulk.Mint(context.Background(), c, users(5), f, fast()); err != nil {
		t.Fatal(err)
	}
	appendTo(t, f.Output, `{"user_id":"user_0009","id":"sit_x","url":"http://x/?ticket=abc`)
	appendTo(t, f.Output+".journal", "\x00\x00\x00\n")
	rep, err := bulk.Mint(context.Background(), c, users(8), f, fast())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Done != 3 || rep.Skipped != 5 {
		t.Fatalf("report %+v", rep.Progress)
	}
	out := readOutput(t, f.Output) // fails on any line that is not JSON
	if len(out) != 8 {
		t.Fatalf("output has %d lines, want 8", len(out))
	}
	readJournal(t, f.Output+".journal")
}

// TestAFileThisPackageDidNotWriteIsNotCut: a journal or output pointed at someone else's file
// (a key file with no final newline, the input CSV) ends in a "last line" no crash could leave.
// The run refuses, names no content, sends nothing and leaves the file as it was.
func TestAFileThisPackageDidNotWriteIsNotCut(t *testing.T) {
	const key = "sk_live_notforthisfile"
	for name, content := range map[string]string{
		"key file as the journal": key,
		"input CSV as the output": "user_id\nuser_0001",
		"one line, not JSON":      "user_id\n",
	} {
		t.Run(name, func(t *testing.T) {
			fake := newFake(t)
			f := files(t)
			victim := f.Output
			if strings.Contains(name, "journal") {
				f.Journal = filepath.Join(filepath.Dir(f.Output), "key")
				victim = f.Journal
			}
			if err := os.WriteFile(victim, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := bulk.Mint(context.Background(), fake.client(t), users(2), f, fast())
			if err == nil || !strings.Contains(err.Error(), "did not write") || strings.Contains(err.Error(), key) {
				t.Fatalf("err = %v; want a refusal naming no content", err)
			}
			if got, _ := os.ReadFile(victim); string(got) != content {
				t.Fatalf("the file was changed: %q", got)
			}
			if n := len(fake.Requests()); n != 0 {
				t.Fatalf("%d requests sent", n)
			}
		})
	}
}

// TestGarbageInsideAFileIsRefused: a bad line that is not the last is not a crash's doing;
// the run refuses to guess and sends nothing.
func TestGarbageInsideAFileIsRefused(t *testing.T) {
	fake := newFake(t)
	c := fake.client(t)
	f := files(t)
	if _, err := bulk.Mint(context.Background(), c, users(2), f, fast()); err != nil {
		t.Fatal(err)
	}
	appendTo(t, f.Output+".journal", "not json\n"+`{"event":"intent","user_id":"user_0001","ts":1}`+"\n")
	before := len(fake.Requests())
	_, err := bulk.Mint(context.Background(), c, users(4), f, fast())
	if err == nil || !strings.Contains(err.Error(), "line 6") {
		t.Fatalf("err = %v", err)
	}
	if len(fake.Requests()) != before {
		t.Fatal("requests sent despite a corrupt journal")
	}
}

// TestOutputAheadOfJournal: a crash after the token reached the output but before its
// outcome reached the journal leaves the user done, not unknown, and not minted again.
func TestOutputAheadOfJournal(t *testing.T) {
	fake := newFake(t)
	c := fake.client(t)
	f := files(t)
	if _, err := bulk.Mint(context.Background(), c, users(3), f, fast(), bulk.WithConcurrency(1)); err != nil {
		t.Fatal(err)
	}
	// Drop the last outcome from the journal, as if the process died just before writing it.
	lines := readLines(t, f.Output+".journal")
	if !strings.Contains(lines[len(lines)-1], `"minted"`) {
		t.Fatalf("last journal line: %s", lines[len(lines)-1])
	}
	if err := os.WriteFile(f.Output+".journal", []byte(strings.Join(lines[:len(lines)-1], "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := bulk.Mint(context.Background(), c, users(3), f, fast())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped != 3 || rep.Unknown != 0 || len(fake.Tokens()) != 3 {
		t.Fatalf("report %+v, %d tokens", rep.Progress, len(fake.Tokens()))
	}
}

// TestReadMintedNeverKeepsCredentials: Minted has ids only, and a line it cannot read is
// reported without its contents.
func TestReadMintedNeverKeepsCredentials(t *testing.T) {
	path := t.TempDir() + "/links.jsonl"
	secret := "SECRET-TICKET-VALUE"
	if err := os.WriteFile(path, []byte(`{"user_id":"user_1","id":"sit_1","token":"`+secret+`"}`+"\n"+`{"token":"`+secret+`"}`+"\n"+`{}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := bulk.ReadMinted(path)
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v", err)
	}
}

// TestTwoRunsOnOneJournalAreRefused: a second run started on the same files while the first
// is still going (the command run twice by mistake) is refused before it sends anything.
func TestTwoRunsOnOneJournalAreRefused(t *testing.T) {
	fake := newFake(t)
	fake.SetLatency(50 * time.Millisecond)
	c := fake.client(t)
	f := files(t)
	started := make(chan struct{})
	var once sync.Once
	first := make(chan error, 1)
	go func() {
		_, err := bulk.Mint(context.Background(), c, users(20), f, fast(), bulk.WithConcurrency(2),
			bulk.WithProgress(func(bulk.Progress) { once.Do(func() { close(started) }) }))
		first <- err
	}()
	<-started
	before := len(fake.Requests())
	_, err := bulk.Mint(context.Background(), c, users(20), f, fast())
	if err == nil || !strings.Contains(err.Error(), "in use by another run") {
		t.Fatalf("second run: err = %v", err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for u, n := range fake.tokensPerUser() {
		if n != 1 {
			t.Errorf("%s has %d tokens", u, n)
		}
	}
	if len(fake.Requests()) != 20 || before > 20 {
		t.Fatalf("%d requests for 20 users", len(fake.Requests()))
	}
}
