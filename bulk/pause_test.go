package bulk

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestPauseIsBounded: a 429's Retry-After pauses the run, but a server that asks for a day
// (or an HTTP date years ahead) must not leave a run sitting silent for that long: Clerk's
// window is 10 s, so the pause is cut to maxPause (and TestRunStopsOnEndless429s stops the run).
func TestPauseIsBounded(t *testing.T) {
	for _, asked := range []time.Duration{24 * time.Hour, 10 * 365 * 24 * time.Hour} {
		p := newPacer(rate.NewLimiter(10, 1))
		p.backOff(asked, time.Now())
		if pause := time.Until(p.until); pause > maxPause || pause < maxPause-time.Second {
			t.Errorf("Retry-After %v paused the run for %v; want %v", asked, pause, maxPause)
		}
	}
}

// TestRunStopsOnEndless429s: a run stops (ErrRateLimitedTooLong) after 10 answers 429 in a
// row, whichever users they were for, and after 2 minutes paused for 429s in all, however few;
// an answer other than 429 starts the count in a row again.
func TestRunStopsOnEndless429s(t *testing.T) {
	p := newPacer(rate.NewLimiter(10, 1))
	for i := 1; i < maxConsecutive429; i++ {
		if err := p.backOff(0, time.Now()); err != nil {
			t.Fatalf("429 number %d stopped the run: %v", i, err)
		}
	}
	p.answered()
	for i := 1; i < maxConsecutive429; i++ {
		if err := p.backOff(0, time.Now()); err != nil {
			t.Fatalf("after another answer, 429 number %d stopped the run: %v", i, err)
		}
	}
	if err := p.backOff(0, time.Now()); !errors.Is(err, ErrRateLimitedTooLong) {
		t.Fatalf("the 10th 429 in a row: %v", err)
	}

	p = newPacer(rate.NewLimiter(10, 1))
	if err := p.backOff(time.Minute, time.Now()); err != nil {
		t.Fatal(err)
	}
	p.answered()
	p.until = time.Now() // the minute has passed
	if err := p.backOff(time.Minute, time.Now()); !errors.Is(err, ErrRateLimitedTooLong) {
		t.Fatalf("2 minutes paused: %v", err)
	}
}
