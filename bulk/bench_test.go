//go:build unix

package bulk_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
	"github.com/clerkgen/signintokens/clienttest"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMintAtTheRateLimit mints for 1,000 users against the fake with Clerk's production
// limit emulated (1000 requests per 10 s), paced by NewLimiter(1000, 10s): about 10 s an
// iteration. It reports the rate reached (tokens/s and % of the limit), the 429s answered
// (should be 0), and the CPU the whole process used, as % of one core: the run, its state
// file and the fake together, so an upper bound on the run's share (target: ≤ 25).
// Run it with: go test -run '^$' -bench MintAtTheRateLimit -benchtime 1x ./bulk
func BenchmarkMintAtTheRateLimit(b *testing.B) {
	const n, limit, window = 1000, 1000, 10 * time.Second
	for b.Loop() {
		fake := clienttest.NewServer(b, clienttest.WithRateLimit(limit, window))
		c := fake.Client(api.WithRetryPolicy(bulk.ClientRetryPolicy()))
		f := filesFor(b, fake.URL(), fake.SecretKey())
		cpu0, start := cpuTime(b), time.Now()
		rep, err := f.mint(context.Background(), c, users(n), bulk.WithLimiter(bulk.NewLimiter(limit, window)))
		elapsed, cpu := time.Since(start), cpuTime(b)-cpu0
		if err != nil || rep.Done != n {
			b.Fatalf("%v %+v", err, rep)
		}
		rate := float64(n) / elapsed.Seconds()
		b.ReportMetric(rate, "tokens/s")
		b.ReportMetric(100*rate/(limit/window.Seconds()), "%limit")
		b.ReportMetric(float64(rep.RateLimited), "429s")
		b.ReportMetric(100*cpu.Seconds()/elapsed.Seconds(), "%core")
		fake.Close()
	}
}

// BenchmarkMintUnlimited is the run's own overhead (the state's transactions and fsyncs,
// bookkeeping, the export) against the fake with no rate limit and no latency.
func BenchmarkMintUnlimited(b *testing.B) {
	const n = 500
	fake := clienttest.NewServer(b)
	c := fake.Client(api.WithRetryPolicy(bulk.ClientRetryPolicy()))
	for b.Loop() {
		rep, err := filesFor(b, fake.URL(), fake.SecretKey()).mint(context.Background(), c, users(n), fast())
		if err != nil || rep.Done != n {
			b.Fatalf("%v %+v", err, rep)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N*n), "ns/token")
}
