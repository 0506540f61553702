package bulk

import (
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestPauseIsBounded: a 429's Retry-After pauses the run, but a server that asks for a day
// (or an HTTP date years ahead) must not leave a run sitting silent for that long: Clerk's
// window is 10 s, so the pause is cut to maxPause, and a server that keeps answering 429
// fails the user after maxRateLimited tries.
func TestPauseIsBounded(t *testing.T) {
	for _, asked := range []time.Duration{24 * time.Hour, 10 * 365 * 24 * time.Hour} {
		p := newPacer(rate.NewLimiter(10, 1))
		p.backOff(asked)
		if pause := time.Until(p.until); pause > maxPause || pause < maxPause-time.Second {
			t.Errorf("Retry-After %v paused the run for %v; want %v", asked, pause, maxPause)
		}
	}
}
