package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// TestBulkStatus: counts, and the unknown users listed, without a credential, so that an
// operator can decide on --retry-unknown; the state is left as it was.
func TestBulkStatus(t *testing.T) {
	fake := clienttest.NewServer(t)
	env := map[string]string{"CLERK_SECRET_KEY": fake.SecretKey(), "CLERK_API_URL": fake.URL()}
	in := writeFile(t, "users.csv", "user_id\nuser_a\nuser_b\nuser_c\nuser_d\n")
	out := filepath.Join(t.TempDir(), "links.jsonl")
	fake.FailNext(1, 422, 0)
	fake.DropNext(1)
	if code, stdout, stderr := signintoken(t, env, "bulk", "create", "--in", in, "--out", out, "--concurrency", "1", "--rate", "1000/1s"); code != exitError {
		t.Fatalf("create: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr := signintoken(t, nil, "bulk", "status", "--state", out+".state")
	if code != exitOK {
		t.Fatalf("status: exit %d\n%s", code, stderr)
	}
	wantCounts(t, stdout, map[string]int{"users": 4, "minted": 2, "refused": 1, "unknown": 1, "revoked": 0})
	if !strings.Contains(stdout, "unknown users:\n  user_b\n") || !strings.Contains(stdout, strings.TrimSuffix(fake.URL(), "/v1")) {
		t.Fatalf("status:\n%s", stdout)
	}
	links, _ := os.ReadFile(out)
	for _, raw := range fileLines(t, out) {
		for _, cred := range []string{"ticket=", "eyJ"} {
			if strings.Contains(raw, cred) && strings.Contains(stdout, cred) {
				t.Fatalf("status shows a credential:\n%s", stdout)
			}
		}
	}
	if len(links) == 0 || strings.Contains(stdout, fake.SecretKey()) {
		t.Fatalf("no links, or status shows the key:\n%s", stdout)
	}
}

// TestBulkExport: the links file is written again from the state, 0600, replacing only an
// export of that state; a file the state did not write is refused and left alone.
func TestBulkExport(t *testing.T) {
	fake := clienttest.NewServer(t)
	env := map[string]string{"CLERK_SECRET_KEY": fake.SecretKey(), "CLERK_API_URL": fake.URL()}
	in := writeFile(t, "users.csv", "user_id\nuser_a\nuser_b\n")
	out := filepath.Join(t.TempDir(), "links.jsonl")
	if code, _, stderr := signintoken(t, env, "bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s"); code != exitOK {
		t.Fatalf("create: exit %d\n%s", code, stderr)
	}
	want, _ := os.ReadFile(out)
	os.Remove(out) // sent, and deleted as the summary says
	for range 2 {  // then again over its own export
		if code, stdout, stderr := signintoken(t, nil, "bulk", "export", "--state", out+".state", "--out", out); code != exitOK || !strings.Contains(stdout, "exported 2 tokens") {
			t.Fatalf("export: exit %d\n%s\n%s", code, stdout, stderr)
		}
		got, _ := os.ReadFile(out)
		info, _ := os.Stat(out)
		if string(got) != string(want) || info.Mode().Perm() != 0o600 {
			t.Fatalf("export: %d bytes (want %d), mode %04o", len(got), len(want), info.Mode().Perm())
		}
	}
	foreign := writeFile(t, "notes.txt", "mine")
	if code, _, stderr := signintoken(t, nil, "bulk", "export", "--state", out+".state", "--out", foreign); code != exitUsage || !strings.Contains(stderr, "did not write") {
		t.Fatalf("export over a foreign file: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(foreign); string(b) != "mine" {
		t.Fatalf("the foreign file now holds %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("a temporary file was left behind: %s", e.Name())
		}
	}
}

// TestBulkMigratesFromV010: a run directory left by v0.1.0 (an output and its journal) is not
// resumed: v0.1.0 recorded no instance, so its tokens may be on the built-in fake or another
// instance. The run is refused, nothing written or sent, with what to do; the undo of such a
// run works from its output, as a links file.
func TestBulkMigratesFromV010(t *testing.T) {
	fake := clienttest.NewServer(t)
	env := map[string]string{"CLERK_SECRET_KEY": fake.SecretKey(), "CLERK_API_URL": fake.URL()}
	c := fake.Client()
	var lines, journal strings.Builder
	journal.WriteString(`{"event":"journal","op":"create","version":1,"ts":1}` + "\n")
	for _, user := range []string{"user_a", "user_b"} {
		tok, err := c.Create(t.Context(), api.CreateParams{UserID: user})
		if err != nil {
			t.Fatal(err)
		}
		lines.WriteString(`{"user_id":"` + user + `","id":"` + tok.ID + `","url":"` + tok.URL.Reveal() + `","token":"` + tok.Token.Reveal() + `","expires_at":1,"status":"pending"}` + "\n")
		journal.WriteString(`{"event":"intent","user_id":"` + user + `","ts":1}` + "\n" + `{"event":"minted","user_id":"` + user + `","id":"` + tok.ID + `","ts":1}` + "\n")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "links.jsonl")
	os.WriteFile(out, []byte(lines.String()), 0o600)
	os.WriteFile(out+".journal", []byte(journal.String()), 0o600)
	in := writeFile(t, "users.csv", "user_id\nuser_a\nuser_b\nuser_c\n")
	before := len(fake.Requests())

	code, _, stderr := signintoken(t, env, "bulk", "create", "--in", in, "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "v0.1.0") || !strings.Contains(stderr, "bulk revoke --in "+out) {
		t.Fatalf("resume of a v0.1.0 run: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != lines.String() || len(fake.Requests()) != before {
		t.Fatal("the v0.1.0 output was changed, or requests were sent")
	}
	code, stdout, stderr := signintoken(t, env, "bulk", "revoke", "--in", out)
	if code != exitOK {
		t.Fatalf("undo of a v0.1.0 run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	wantCounts(t, stdout, map[string]int{"revoked": 2})
	// From its journal too.
	code, stdout, _ = signintoken(t, env, "bulk", "revoke", "--in", out+".journal")
	if code != exitOK {
		t.Fatalf("undo from a v0.1.0 journal: exit %d\n%s", code, stdout)
	}
	wantCounts(t, stdout, map[string]int{"revoked": 0, "not pending": 2})
}
