package bulk

import (
	"context"
	"sync"
)

// Report is what a run did. Failed and Unknown list users (Mint) or tokens (Revoke); a
// resume (the same call, on the same state) retries Failed and, for Mint, leaves Unknown alone
// unless WithRetryUnknown.
type Report struct {
	Progress
	Duplicates int       // input lines whose user id (token id) came earlier, ignored
	Failures   []Failure // this run's failures, with their reasons
	UnknownIDs []string  // user ids whose token may exist unrecorded (Mint: this run's and earlier ones'; Revoke: the state's, not revoked)
}

// Failure is one user (or token) the run could not settle.
type Failure struct {
	UserID string
	ID     string // Revoke: the sign-in token's id
	Err    error  // from the api package: errors.Is/As work; it holds no credential
}

// runPool hands jobs to n workers until all are taken, work returns an error (which stops
// the run and is returned), or ctx ends. It returns when every worker has finished the job
// it holds: work decides what a cancelled ctx means for the job in hand.
func runPool[J any](ctx context.Context, n int, jobs []J, work func(ctx context.Context, job J) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ch := make(chan J)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for j := range ch {
				if err := work(ctx, j); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for _, j := range jobs {
		select {
		case ch <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// requestContext is the context a request runs under once it is sent: it outlives the run's
// cancellation, so that its answer is recorded rather than lost, but only for inFlightLimit.
func requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), inFlightLimit)
}
