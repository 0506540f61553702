package bulk_test

import (
	"testing"
	"time"

	"github.com/clerkgen/signintokens/bulk"
)

// TestNewLimiterStaysUnderTheLimit replays a limiter on a synthetic clock, taking every token
// as early as it allows, and counts the most it lets through in any window: at most the
// limit less the burst (the slack left for jitter), and over a long run at least 95% of it.
func TestNewLimiterStaysUnderTheLimit(t *testing.T) {
	for _, tc := range []struct {
		n      int
		window time.Duration
	}{
		{100, 10 * time.Second}, {1000, 10 * time.Second}, {200, time.Second}, {50, 250 * time.Millisecond}, {7, time.Second}, {2, time.Second},
	} {
		l := bulk.NewLimiter(tc.n, tc.window)
		start := time.Unix(1_700_000_000, 0)
		now := start
		var sent []time.Time
		windows := 20
		for now.Before(start.Add(time.Duration(windows) * tc.window)) {
			r := l.ReserveN(now, 1)
			now = now.Add(r.DelayFrom(now))
			sent = append(sent, now)
		}
		most, lo := 0, 0
		for hi := range sent {
			for !sent[lo].After(sent[hi].Add(-tc.window)) { // keep (hi-window, hi]
				lo++
			}
			most = max(most, hi-lo+1)
		}
		if most > tc.n-l.Burst() {
			t.Errorf("NewLimiter(%d, %v): %d requests in one window, over the limit less its burst (%d)", tc.n, tc.window, most, tc.n-l.Burst())
		}
		share := float64(len(sent)) / float64(windows*tc.n)
		if tc.n >= 20 && share < 0.95 {
			t.Errorf("NewLimiter(%d, %v): %.1f%% of the limit over %d windows, want at least 95%%", tc.n, tc.window, 100*share, windows)
		}
	}
}

// TestLimiterForKey: a live key gets the production limit, anything else the development one.
func TestLimiterForKey(t *testing.T) {
	live := bulk.LimiterFor("sk_live_abc")
	dev := bulk.LimiterFor("sk_test_abc")
	if want := bulk.NewLimiter(bulk.ProductionLimit, bulk.LimitWindow); live.Limit() != want.Limit() || live.Burst() != want.Burst() {
		t.Errorf("sk_live_: %v/%d", live.Limit(), live.Burst())
	}
	if want := bulk.NewLimiter(bulk.DevelopmentLimit, bulk.LimitWindow); dev.Limit() != want.Limit() || dev.Burst() != want.Burst() {
		t.Errorf("sk_test_: %v/%d", dev.Limit(), dev.Burst())
	}
	if live.Limit() <= dev.Limit() {
		t.Errorf("live %v not above development %v", live.Limit(), dev.Limit())
	}
}
