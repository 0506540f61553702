package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// BenchmarkFakeValidated is the fake's throughput: Creates through the facade from 8 callers
// against clienttest, every request and answer checked against openapi.yaml (calls/s).
func BenchmarkFakeValidated(b *testing.B) {
	s := clienttest.NewServer(b)
	c := s.Client()
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for range 8 {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if _, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc"}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
