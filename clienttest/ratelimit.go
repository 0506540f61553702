package clienttest

import (
	"sync"
	"time"
)

// rateLimiter emulates Clerk's per-instance limit on the Backend API: at most n authenticated
// requests in each fixed window, the window starting with the first request after the last
// one ended. A refused request does not count. It is nil when the limit is off (the default).
type rateLimiter struct {
	n      int
	window time.Duration

	mu    sync.Mutex
	start time.Time // when the current window opened
	count int       // requests admitted in it
}

func newRateLimiter(n int, window time.Duration) *rateLimiter {
	if n <= 0 {
		return nil
	}
	return &rateLimiter{n: n, window: window}
}

// admit counts one request at now, or refuses it and says how long until the window ends: a
// caller that waits that long is admitted (unless others take the new window's room first).
func (l *rateLimiter) admit(now time.Time) (ok bool, wait time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	end := l.start.Add(l.window)
	if l.count == 0 || !now.Before(end) {
		l.start, l.count, end = now, 0, now.Add(l.window)
	}
	if l.count < l.n {
		l.count++
		return true, 0
	}
	return false, end.Sub(now)
}

// reset opens a fresh window.
func (l *rateLimiter) reset() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.count = 0
	l.mu.Unlock()
}

// retryAfterSeconds is wait as Retry-After's whole seconds: rounded up, so that waiting it
// out is enough, and at least 1.
func retryAfterSeconds(wait time.Duration) int64 {
	return max(1, int64((wait+time.Second-1)/time.Second))
}
