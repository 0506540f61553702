package clienttest

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// TestSweepsStayAheadWhateverTheLimit: the store sweeps for evictable tokens only once it has
// grown past its next mark. A limit near math.MaxInt (a caller's "no limit") overflowed that
// mark, and every create swept the whole store: quadratic, with nothing to evict.
func TestSweepsStayAheadWhateverTheLimit(t *testing.T) {
	for _, limit := range []int{1, 1000, math.MaxInt / 4, math.MaxInt} {
		cfg := defaultConfig()
		WithTokenLimit(limit)(&cfg)
		if err := cfg.check(); err != nil {
			t.Fatalf("WithTokenLimit(%d): %v", limit, err)
		}
		s := newStore(nil, cfg.tokenLimit, time.Now)
		for i := range 3 {
			if _, _, err := s.create("user_2abc", "", time.Hour); err != nil {
				t.Fatal(err)
			}
			if s.nextSweep <= len(s.order) {
				t.Fatalf("limit %d, after create %d: next sweep at %d tokens, with %d kept: every create sweeps", limit, i+1, s.nextSweep, len(s.order))
			}
		}
	}
}

// TestUserIDSharingIsBounded: the store keeps each user id once, however many tokens name it,
// but a fake minting for ever more distinct users stops sharing rather than keep them all.
func TestUserIDSharingIsBounded(t *testing.T) {
	const limit = 4
	s := newStore(nil, limit, time.Now)
	for i := range 10 * limit {
		if _, _, err := s.create(fmt.Sprintf("user_%d", i), "", time.Hour); err != nil {
			t.Fatal(err)
		}
		if len(s.userIDs) > 4*limit+1 {
			t.Fatalf("after %d distinct users, %d ids kept for sharing; want at most %d", i+1, len(s.userIDs), 4*limit+1)
		}
	}
}
