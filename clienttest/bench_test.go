package clienttest_test

import (
	"context"
	"testing"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// BenchmarkValidatedCreate measures Create through the facade against the fake, with the
// request and the answer both checked against the contract. Target: ≥ 5,000 req/s on 2 cores
// (read ns/op: ≤ 200µs; or the req/s metric).
func BenchmarkValidatedCreate(b *testing.B) {
	s := clienttest.NewServer(b)
	c := s.Client()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.SetParallelism(4) // callers per core: keep the cores busy while others wait on the loopback round trip
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkNewServer measures starting (and closing) a fake. Target: < 10 ms.
func BenchmarkNewServer(b *testing.B) {
	clienttest.NewServer(b) // the contract is parsed once per process; time what a test pays
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tb := &cleanupNow{TB: b}
		clienttest.NewServer(tb)
		tb.run()
	}
}

// cleanupNow runs a server's cleanups at once, so the loop measures start and stop together.
type cleanupNow struct {
	testing.TB
	fns []func()
}

func (c *cleanupNow) Cleanup(f func()) { c.fns = append(c.fns, f) }
func (c *cleanupNow) run() {
	for i := len(c.fns) - 1; i >= 0; i-- {
		c.fns[i]()
	}
}
