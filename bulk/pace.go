package bulk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/internal/ctxsleep"
)

// Clerk's rate limits per instance (https://clerk.com/docs/backend-requests/resources/rate-limits).
const (
	DevelopmentLimit = 100 // requests per LimitWindow on a development instance (sk_test_ keys)
	ProductionLimit  = 1000
	LimitWindow      = 10 * time.Second
)

// Headroom is the share of a limit a run leaves unused. A third of it is the limiter's burst,
// which lets a run catch up after workers fell behind; the rest absorbs the jitter between a
// request leaving and the server counting it.
const Headroom = 0.03

// NewLimiter returns a limiter that keeps a run under a server limit of n requests per window:
// its steady rate is (1-Headroom)·n per window and its burst Headroom·n/3 (at least 1), so that
// no window of that length holds more than n - burst of the requests it lets through.
// It panics unless n ≥ 1 and window > 0, like regexp.MustCompile on a bad literal.
func NewLimiter(n int, window time.Duration) *rate.Limiter {
	if n < 1 || window <= 0 {
		panic(fmt.Sprintf("bulk: NewLimiter(%d, %v): want at least 1 request in a positive window", n, window))
	}
	burst := max(1, int(float64(n)*Headroom/3))
	perWindow := min(float64(n)*(1-Headroom), float64(n-2*burst))
	if perWindow <= 0 { // a limit of 1 or 2: no room for headroom, so halve it
		perWindow = float64(n) / 2
	}
	return rate.NewLimiter(rate.Limit(perWindow/window.Seconds()), burst)
}

// LimiterFor returns the limiter for the instance a secret key belongs to: Clerk's
// production limit for sk_live_ keys, the development limit for anything else. It reads only
// the key's prefix and keeps nothing.
func LimiterFor(secretKey string) *rate.Limiter {
	if strings.HasPrefix(secretKey, "sk_live_") {
		return NewLimiter(ProductionLimit, LimitWindow)
	}
	return NewLimiter(DevelopmentLimit, LimitWindow)
}

// ClientRetryPolicy is the api.RetryPolicy for a client used by this package: a connection
// that failed before the request was written is still retried by the client, but a 429 comes
// back at once (Clerk's Retry-After is at least a second, over MaxDelay), so that the run can
// pause every worker rather than let one sleep while the others keep hitting the limit.
func ClientRetryPolicy() api.RetryPolicy {
	return api.RetryPolicy{MaxAttempts: 3, BaseDelay: 50 * time.Millisecond, MaxDelay: 500 * time.Millisecond}
}

const (
	// defaultPause is how long every worker waits after a 429 that names no Retry-After.
	defaultPause = time.Second
	// maxPause caps a Retry-After. Clerk's window is 10 s, so a longer one is not its limit
	// speaking (a proxy, a broken server), and a run must not sit silent for a day on it.
	maxPause = time.Minute
	// A run stops (ErrRateLimitedTooLong) after maxConsecutive429 answers 429 in a row (to
	// requests sent after the last pause began: see backOff),
	// whichever users they were for, or once its pauses for 429s add up to maxPausedFor429:
	// a server that only answers 429 would otherwise hold a 10,000-user run for days.
	maxConsecutive429 = 10
	maxPausedFor429   = 2 * time.Minute
	// slowdown is what a 429 multiplies the run's rate by, down to minRateShare of the start:
	// a 429 despite the limiter means someone else shares the instance's limit.
	slowdown     = 0.9
	minRateShare = 0.1
)

// readySlots bounds the users whose intent is recorded but whose request is not sent yet. It
// is what keeps the limiter fed while intents wait for their commit (16 slots carry 200
// requests/s with commits of up to 80 ms; a bbolt commit is two fsyncs, and on a loaded
// 2-core machine 8 slots fell to 92% of a 200/s limit), and what a SIGKILL can leave unknown
// beyond the requests actually in flight (never more than the workers, in all).
const readySlots = 16

// pacer decides when a worker may send: no request during a pause that a 429 started, and
// each at the limiter's pace. It is shared by every worker of a run.
//
// The limiter is waited on after the state's intent is durable, right before sending, so
// that an fsync that stalls some workers cannot bunch their requests up past the limit. To
// keep the users whose intent is written but whose request is not yet sent few (a SIGKILL
// leaves them unknown), only a few workers at a time may be between the two: the slots.
type pacer struct {
	limiter *rate.Limiter
	floor   rate.Limit
	slots   chan struct{}

	mu      sync.Mutex
	until   time.Time // no request starts before this
	episode time.Time // when the latest 429 that counted began its pause
	// After a pause, one request (the probe) is sent first and the others wait for its answer:
	// a server still answering 429 gets one request per pause, not one per worker.
	probing     bool
	probeSent   bool
	probeDone   chan struct{} // closed once the probe is answered
	rateLimited int
	consecutive int           // 429s since the last other answer
	paused      time.Duration // time the run has spent paused for 429s
}

// ErrRateLimitedTooLong stops a run that the server keeps answering 429: 10 answers in a row
// (across users) or 2 minutes paused in all. Nothing is lost: a 429 says Clerk did nothing,
// and the users still to do are sent on resume.
var ErrRateLimitedTooLong = errors.New("bulk: the server kept answering 429 (rate limited); stopped, resumable")

func newPacer(l *rate.Limiter) *pacer {
	return &pacer{limiter: l, floor: l.Limit() * minRateShare, slots: make(chan struct{}, readySlots)}
}

// reserve waits until the run is not paused and a slot is free, or ctx ends. The caller
// writes its intent, then calls clear and release.
func (p *pacer) reserve(ctx context.Context) error {
	if err := p.waitPause(ctx); err != nil {
		return err
	}
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pacer) release() { <-p.slots }

// clear blocks until a request may be sent now: the limiter's turn, outside any pause.
func (p *pacer) clear(ctx context.Context) error {
	for {
		if err := p.waitPause(ctx); err != nil {
			return err
		}
		if err := p.limiter.Wait(ctx); err != nil {
			return err
		}
		p.mu.Lock()
		switch {
		case time.Now().Before(p.until): // a 429 came in while this worker waited its turn
			p.mu.Unlock()
		case !p.probing:
			p.mu.Unlock()
			return nil
		case !p.probeSent: // this worker's request is the probe
			p.probeSent = true
			p.mu.Unlock()
			return nil
		default: // wait for the probe's answer
			done := p.probeDone
			p.mu.Unlock()
			select {
			case <-done:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

func (p *pacer) waitPause(ctx context.Context) error {
	for {
		p.mu.Lock()
		pause := time.Until(p.until)
		p.mu.Unlock()
		if pause <= 0 {
			return ctx.Err()
		}
		if err := ctxsleep.Sleep(ctx, pause); err != nil {
			return err
		}
	}
}

// backOff pauses the whole run after a 429 to a request sent at sent, for the server's
// Retry-After (or defaultPause; at most maxPause), and lowers the rate for the rest of it. It
// returns ErrRateLimitedTooLong once the run should stop instead.
//
// A 429 to a request sent before the current pause began belongs to the 429 that started it:
// the requests in flight when a window runs out are all answered 429, before the run could
// know. It may lengthen the pause, but it neither slows the run again nor counts as another
// 429 in a row; otherwise one burst at Clerk's limit would stop any run of 10 workers or more.
func (p *pacer) backOff(retryAfter time.Duration, sent time.Time) error {
	if retryAfter <= 0 {
		retryAfter = defaultPause
	}
	retryAfter = min(retryAfter, maxPause)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rateLimited++
	now := time.Now()
	if until := now.Add(retryAfter); until.After(p.until) {
		from := p.until // the part of this pause that an earlier one does not cover
		if from.Before(now) {
			from = now
		}
		p.paused += until.Sub(from)
		p.until = until
	}
	if !sent.Before(p.episode) { // sent after the last pause began: the limit still holds
		p.episode = now
		p.consecutive++
		p.limiter.SetLimit(max(p.floor, p.limiter.Limit()*slowdown))
		p.endProbe() // the probe, if this was its answer, is answered
		p.probing, p.probeDone = true, make(chan struct{})
	}
	if p.consecutive >= maxConsecutive429 || p.paused >= maxPausedFor429 {
		return fmt.Errorf("%w: %d answers 429 in a row, %v paused for them in all", ErrRateLimitedTooLong, p.consecutive, p.paused.Round(time.Second))
	}
	return nil
}

// answered notes an answer other than 429: the 429s in a row start again from 0.
func (p *pacer) answered() {
	p.mu.Lock()
	p.consecutive = 0
	p.endProbe()
	p.mu.Unlock()
}

// endProbe lets the workers waiting for the probe's answer go; p.mu is held.
func (p *pacer) endProbe() {
	if p.probeDone != nil {
		close(p.probeDone)
	}
	p.probing, p.probeSent, p.probeDone = false, false, nil
}

func (p *pacer) rateLimitedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rateLimited
}
