package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkCreate measures the client's own cost per call (encode, headers, bounded read,
// decode) against a loopback server that answers at once.
func BenchmarkCreate(b *testing.B) {
	body := []byte(`{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"user_2abc","token":"` + testToken + `","url":"` + testURL + `","created_at":1764106651000,"updated_at":1764106651000}`)
	c, _, _ := setup(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.SetParallelism(4) // callers per core: keep the cores busy while others wait on the loopback round trip
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Create(ctx, CreateParams{UserID: "user_2abc"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkOversizedResponse shows the 1 MiB bound at work: a server answering 16 MiB costs
// the client about 1 MiB per call (B/op), and the call fails without reading the rest.
func BenchmarkOversizedResponse(b *testing.B) {
	huge := []byte(`{"object":"sign_in_token","id":"sit_1","pad":"` + strings.Repeat("x", 16<<20) + `"}`)
	c, _, _ := setup(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(huge)
	})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.Create(ctx, CreateParams{UserID: "user_2abc"}); err == nil {
			b.Fatal("a 16 MiB answer was accepted")
		}
	}
}
