package bulk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/clerkgen/signintokens/bulk"
)

// TestOutputBehindJournalIsRefused: the output is written before the journal's outcome, so a
// journal that records a token the output does not hold means the output was deleted, cut by
// hand, or belongs to another run. Resuming would skip those users and report them done while
// their links exist nowhere: the run refuses, names the output, and sends nothing.
func TestOutputBehindJournalIsRefused(t *testing.T) {
	for name, spoil := range map[string]func(t *testing.T, f bulk.Files){
		"deleted output": func(t *testing.T, f bulk.Files) {
			if err := os.Remove(f.Output); err != nil {
				t.Fatal(err)
			}
		},
		"line removed by hand": func(t *testing.T, f bulk.Files) {
			lines := readLines(t, f.Output)
			if err := os.WriteFile(f.Output, []byte(strings.Join(lines[1:], "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"output of another run": func(t *testing.T, f bulk.Files) {
			other := files(t)
			fake := newFake(t)
			if _, err := bulk.Mint(context.Background(), fake.client(t), users(3), other, fast()); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(other.Output, f.Output); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			fake := newFake(t)
			c := fake.client(t)
			f := files(t)
			if _, err := bulk.Mint(context.Background(), c, users(3), f, fast()); err != nil {
				t.Fatal(err)
			}
			spoil(t, f)
			before := len(fake.Requests())
			rep, err := bulk.Mint(context.Background(), c, users(5), f, fast())
			if err == nil || !strings.Contains(err.Error(), f.Output) || !strings.Contains(err.Error(), "does not hold") {
				t.Fatalf("err = %v, report %+v", err, rep)
			}
			if len(fake.Requests()) != before {
				t.Fatal("requests sent despite an output behind its journal")
			}
		})
	}
}

// TestIntentIsOnDiskBeforeTheRequest: when Clerk receives a Create, the journal on disk
// already names that user's intent, so a crash at any later moment leaves the user unknown
// rather than minted with no record. Checked on the server, as each request arrives.
func TestIntentIsOnDiskBeforeTheRequest(t *testing.T) {
	fake := newFake(t)
	f := files(t)
	journal := f.Output + ".journal"
	var mu sync.Mutex
	var missing []string
	fake.intercept = func(n int, r *http.Request) int {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			UserID string `json:"user_id"`
		}
		json.Unmarshal(body, &req)
		data, _ := os.ReadFile(journal)
		if !strings.Contains(string(data), `{"event":"intent","user_id":"`+req.UserID+`"`) {
			mu.Lock()
			missing = append(missing, req.UserID)
			mu.Unlock()
		}
		return 0
	}
	if _, err := bulk.Mint(context.Background(), fake.client(t), users(40), f, fast(), bulk.WithConcurrency(4)); err != nil {
		t.Fatal(err)
	}
	if len(fake.Tokens()) != 40 || len(missing) > 0 {
		t.Fatalf("%d tokens; requests that arrived before their intent was in the journal: %v", len(fake.Tokens()), missing)
	}
}
