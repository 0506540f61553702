package api_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"sync/atomic"

	"github.com/clerkgen/signintokens/api"
)

// countRequests is a RoundTripper middleware of the kind WithTransportWrapper takes: it
// counts requests by status, as a metrics middleware would, and passes each one on as it is.
type countRequests struct {
	next http.RoundTripper
	ok   *atomic.Int64
}

func (c countRequests) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err == nil && resp.StatusCode < 300 {
		c.ok.Add(1)
	}
	return resp, err
}

// A wrapper keeps the client's own transport (timeouts, pool, TLS, proxy) and adds to it;
// OpenTelemetry's otelhttp.NewTransport is used the same way (see examples/otel).
func ExampleWithTransportWrapper() {
	fake, baseURL, stop := fakeClerk()
	defer stop()

	var ok atomic.Int64
	c, err := api.NewClient(fake.SecretKey(), api.WithBaseURL(baseURL),
		api.WithTransportWrapper(func(rt http.RoundTripper) http.RoundTripper {
			return countRequests{next: rt, ok: &ok}
		}))
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Revoke(context.Background(), tok.ID); err != nil {
		log.Fatal(err)
	}
	fmt.Println(ok.Load(), "requests answered 2xx")
	// Output: 2 requests answered 2xx
}
