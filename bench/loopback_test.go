package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkLoopback runs every variant with its own default HTTP client (what a user who
// configures nothing gets) against a loopback server, at 1, 8 and 32 concurrent callers. It
// reports the connections the server accepted (conns: run it with -benchtime=2000x to compare
// the counts for 2,000 calls) and the calls per second.
func BenchmarkLoopback(b *testing.B) {
	for _, conc := range []int{1, 8, 32} {
		for _, name := range clientNames {
			b.Run(fmt.Sprintf("client=%s/conc=%d", name, conc), func(b *testing.B) {
				srv, conns := countingServer(b)
				c := newClient(b, name, srv.URL+"/v1", benchKey, nil)
				ctx := context.Background()
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ReportAllocs()
				b.ResetTimer()
				for range conc {
					wg.Go(func() {
						for next.Add(1) <= int64(b.N) {
							if _, err := c.create(ctx, "user_2abcDEFghiJKLmnoPQRstuVWXyz"); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(conns.Load()), "conns")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
			})
		}
	}
}

// countingServer answers every request with a created token and counts the connections it
// accepts.
func countingServer(tb testing.TB) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(createdJSON)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv, &conns
}
