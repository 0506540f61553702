package clienttest

import (
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
