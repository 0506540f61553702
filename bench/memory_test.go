package bench

import (
	"context"
	"net/http"
	"testing"
)

// BenchmarkCreate and BenchmarkRevoke run every variant on one in-memory transport, as
// sub-benchmarks client=<name>: with -count N the variants interleave, and
// `benchstat -col /client` sets them side by side.
func BenchmarkCreate(b *testing.B) {
	hc := &http.Client{Transport: cannedTransport{}}
	for _, name := range clientNames {
		c := newClient(b, name, cannedBaseURL, benchKey, hc)
		b.Run("client="+name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.create(ctx, "user_2abcDEFghiJKLmnoPQRstuVWXyz"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRevoke(b *testing.B) {
	hc := &http.Client{Transport: cannedTransport{}}
	for _, name := range clientNames {
		c := newClient(b, name, cannedBaseURL, benchKey, hc)
		b.Run("client="+name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.revoke(ctx, "sit_2abcDEFghiJKLmnoPQRstuVWXyz"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
