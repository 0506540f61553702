// Package otelexample shows the api client traced with OpenTelemetry: otelhttp wraps the
// client's own transport through api.WithTransportWrapper, so each attempt on the wire is a
// client span, and the W3C traceparent header carries the caller's trace to Clerk, while the
// client keeps its timeouts, connection pool, TLS and proxy settings, and its rule that a
// request is sent once (see Transport in the api package documentation).
//
// It is a module of its own, so that the library's go.mod does not require OpenTelemetry.
package otelexample

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/clerkgen/signintokens/api"
)

// NewClient returns an api.Client whose requests are traced with tp and carry the trace to
// the server in a traceparent header. opts are applied first (a base URL, a logger, …).
func NewClient(secretKey string, tp trace.TracerProvider, opts ...api.Option) (*api.Client, error) {
	traced := api.WithTransportWrapper(func(rt http.RoundTripper) http.RoundTripper {
		return otelhttp.NewTransport(rt,
			otelhttp.WithTracerProvider(tp),
			otelhttp.WithPropagators(propagation.TraceContext{}))
	})
	return api.NewClient(secretKey, append(opts, traced)...)
}
