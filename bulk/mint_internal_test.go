package bulk

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// TestOutcomeFollowsTheOutput: the journal records a token as minted only once the output
// holds it. With an output that cannot be written, Clerk mints, the run stops, and the journal
// says unknown, never minted: a crash between a minted line and the output would otherwise
// leave a journal that no resume gets past, and a user counted done whose link is nowhere.
func TestOutcomeFollowsTheOutput(t *testing.T) {
	fake := clienttest.NewServer(t)
	dir := t.TempDir()
	journalPath := filepath.Join(dir, "links.jsonl.journal")
	j, err := openJournal(journalPath, opCreate, func(event) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := openOutput(filepath.Join(dir, "links.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.close()
	out.broken = errors.New("disk full") // every append fails, as after a failed write
	p := newPacer(NewLimiter(1000, LimitWindow))
	m := &minter{client: fake.Client(api.WithRetryPolicy(ClientRetryPolicy())), cfg: defaultConfig(),
		journal: j, out: out, pacer: p, tally: newTally(1, 0, nil, nil, p)}
	err = m.mint(context.Background(), Input{UserID: "user_1"})
	j.close()
	if err == nil || len(fake.Tokens()) != 1 {
		t.Fatalf("mint: %v, %d tokens on the fake; want the output's error after Clerk minted", err, len(fake.Tokens()))
	}
	var events []string
	j, err = openJournal(journalPath, opCreate, func(e event) error {
		events = append(events, e.Event)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	j.close()
	if want := []string{evIntent, evUnknown}; !slices.Equal(events, want) {
		t.Fatalf("journal events %v, want %v", events, want)
	}
}
