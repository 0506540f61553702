package bench

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// BenchmarkCreate and BenchmarkRevoke run every variant on one in-memory transport, as
// sub-benchmarks client=<name>: with -count N the variants interleave, and
// `benchstat -col /client` sets them side by side. Besides sec/op (wall time, which other
// processes on a shared machine inflate) they report cpu-sec/op: this process's CPU time, GC
// included, per call.
func BenchmarkCreate(b *testing.B) {
	benchEach(b, func(ctx context.Context, c client) error {
		_, err := c.create(ctx, "user_2abcDEFghiJKLmnoPQRstuVWXyz")
		return err
	})
}

func BenchmarkRevoke(b *testing.B) {
	benchEach(b, func(ctx context.Context, c client) error {
		_, err := c.revoke(ctx, "sit_2abcDEFghiJKLmnoPQRstuVWXyz")
		return err
	})
}

func benchEach(b *testing.B, call func(context.Context, client) error) {
	hc := &http.Client{Transport: cannedTransport{}}
	for _, name := range clientNames {
		c := newClient(b, name, cannedBaseURL, benchKey, hc)
		b.Run("client="+name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			cpu0, ok := processCPU()
			for b.Loop() {
				if err := call(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
			if cpu1, ok1 := processCPU(); ok && ok1 {
				b.ReportMetric((cpu1-cpu0).Seconds()/float64(b.N), "cpu-sec/op")
			}
		})
	}
}

// BenchmarkCreatePaired holds the facade to its target: no more CPU per Create than the
// hand-written client. It runs the two in alternating blocks of calls, so both meet the same
// machine (on a shared one, load swings more than the difference measured), and reports the
// ratio of their CPU times, GC included: api/hand-cpu ≤ 1 is the target. One op is one block
// of each.
func BenchmarkCreatePaired(b *testing.B) {
	if _, ok := processCPU(); !ok {
		b.Skip("no process CPU time on this platform")
	}
	hc := &http.Client{Transport: cannedTransport{}}
	facade := newClient(b, "api", cannedBaseURL, benchKey, hc)
	hand := newClient(b, "hand", cannedBaseURL, benchKey, hc)
	ctx := context.Background()
	const block = 200
	run := func(c client) time.Duration {
		t0, _ := processCPU()
		for range block {
			if _, err := c.create(ctx, "user_2abcDEFghiJKLmnoPQRstuVWXyz"); err != nil {
				b.Fatal(err)
			}
		}
		t1, _ := processCPU()
		return t1 - t0
	}
	var facadeCPU, handCPU time.Duration
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 { // alternate which goes first, so neither always inherits the other's GC debt
			facadeCPU += run(facade)
			handCPU += run(hand)
		} else {
			handCPU += run(hand)
			facadeCPU += run(facade)
		}
	}
	b.ReportMetric(float64(facadeCPU)/float64(handCPU), "api/hand-cpu")
	b.ReportMetric(facadeCPU.Seconds()/float64(b.N*block), "api-cpu-sec/call")
	b.ReportMetric(handCPU.Seconds()/float64(b.N*block), "hand-cpu-sec/call")
}
