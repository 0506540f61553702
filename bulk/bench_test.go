package bulk_test

import (
	"context"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
	"github.com/clerkgen/signintokens/clienttest"
)

// BenchmarkMintAtTheRateLimit mints for 2,000 users against the fake with Clerk's rate limit
// emulated at 200 requests per second, paced by NewLimiter(200, 1s): about 10 s an iteration.
// It reports the rate reached (tokens/s and % of the limit) and the 429s answered, which
// should be 0. Run it with: go test -run '^$' -bench MintAtTheRateLimit ./bulk
func BenchmarkMintAtTheRateLimit(b *testing.B) {
	const n, limit = 2000, 200
	for b.Loop() {
		fake := clienttest.NewServer(b, clienttest.WithRateLimit(limit, time.Second))
		c := fake.Client(api.WithRetryPolicy(bulk.ClientRetryPolicy()))
		f := files(b)
		start := time.Now()
		rep, err := bulk.Mint(context.Background(), c, users(n), f, bulk.WithLimiter(bulk.NewLimiter(limit, time.Second)))
		elapsed := time.Since(start)
		if err != nil || rep.Done != n {
			b.Fatalf("%v %+v", err, rep)
		}
		rate := float64(n) / elapsed.Seconds()
		b.ReportMetric(rate, "tokens/s")
		b.ReportMetric(100*rate/limit, "%limit")
		b.ReportMetric(float64(rep.RateLimited), "429s")
		fake.Close()
	}
}

// BenchmarkMintUnlimited is the run's own overhead (journal fsyncs, output, bookkeeping)
// against the fake with no rate limit and no latency.
func BenchmarkMintUnlimited(b *testing.B) {
	const n = 500
	fake := clienttest.NewServer(b)
	c := fake.Client(api.WithRetryPolicy(bulk.ClientRetryPolicy()))
	for b.Loop() {
		rep, err := bulk.Mint(context.Background(), c, users(n), files(b), fast())
		if err != nil || rep.Done != n {
			b.Fatalf("%v %+v", err, rep)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N*n), "ns/token")
}
