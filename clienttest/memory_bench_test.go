package clienttest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/clerkgen/signintokens/clienttest"
)

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// serveCreates sends n Creates straight to h (no network: only the handler's memory counts),
// with the header set Clerk's SDKs send.
func serveCreates(b *testing.B, h http.Handler, key string, n int, revoke bool) {
	for i := range n {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/v1/sign_in_tokens",
			strings.NewReader(fmt.Sprintf(`{"user_id":"user_2abcDEFghiJKLmnoPQRstuVWXyz","expires_in_seconds":%d}`, 3600+i%7)))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "@clerk/backend@3.25.0")
		req.Header.Set("Clerk-API-Version", "2025-04-10")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("create %d: %d %s", i, w.Code, w.Body)
		}
		if revoke {
			var id struct{ ID string }
			_ = jsonUnmarshal(w.Body.Bytes(), &id)
			req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/v1/sign_in_tokens/"+id.ID+"/revoke", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	}
}

// BenchmarkHeapAfter100kCreates measures the live heap a fake holds after 100,000 Creates, its
// defaults unchanged: pending tokens with an hour to live (which are never evicted), the last
// DefaultHistory requests. Read heap-MiB (target: well under 64, the process's RSS budget)
// and heap-B/create (what each pending token costs once the history is full).
func BenchmarkHeapAfter100kCreates(b *testing.B) {
	for _, revoke := range []bool{false, true} {
		name := "pending"
		if revoke {
			name = "revoked"
		}
		b.Run(name, func(b *testing.B) {
			const n = 100_000
			for range b.N {
				b.StopTimer()
				before := heapInUse()
				h, err := clienttest.NewHandler()
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				serveCreates(b, h, h.SecretKey(), n, revoke)
				b.StopTimer()
				after := heapInUse()
				runtime.KeepAlive(h)
				b.ReportMetric(float64(after-before)/(1<<20), "heap-MiB")
				b.ReportMetric(float64(after-before)/n, "heap-B/create")
				b.StartTimer()
			}
		})
	}
}

// BenchmarkHeapAfterUnauthenticatedRequests measures what 400 unauthenticated requests with
// 1 MB bodies leave on the heap: they are refused before their body is read or recorded.
// Target: heap-MiB about 0 (only the bounded violation history).
func BenchmarkHeapAfterUnauthenticatedRequests(b *testing.B) {
	body, padding := strings.Repeat("x", 1<<20), strings.Repeat("p", 500<<10)
	b.ReportAllocs() // B/op: what the handler allocates for 400 of them, padding headers included
	for range b.N {
		b.StopTimer()
		h, err := clienttest.NewHandler()
		if err != nil {
			b.Fatal(err)
		}
		before := heapInUse()
		b.StartTimer()
		for range 400 {
			req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/v1/sign_in_tokens", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer sk_test_wrong")
			req.Header.Set("X-Padding", padding)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 401 {
				b.Fatalf("status %d", w.Code)
			}
			if n, _ := io.Copy(io.Discard, req.Body); n != int64(len(body)) {
				b.Fatalf("the handler read %d bytes of an unauthenticated body", int64(len(body))-n)
			}
		}
		b.StopTimer()
		after := heapInUse()
		runtime.KeepAlive(h)
		b.ReportMetric(float64(int64(after)-int64(before))/(1<<20), "heap-MiB")
		b.StartTimer()
	}
}
