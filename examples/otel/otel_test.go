package otelexample_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
	otelexample "github.com/clerkgen/signintokens/examples/otel"
)

// TestCallsAreTracedAndCarryTheTrace: a Create and a Revoke under a span of the caller's
// each record a client span of that trace, and the fake receives a traceparent naming it;
// no span attribute holds the key.
func TestCallsAreTracedAndCarryTheTrace(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	fake := clienttest.NewServer(t)
	c, err := otelexample.NewClient(fake.SecretKey(), tp, api.WithBaseURL(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}

	ctx, parent := tp.Tracer("test").Start(context.Background(), "mint a sign-in link")
	tok, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	parent.End()

	var clientSpans []sdktrace.ReadOnlySpan
	for _, s := range recorder.Ended() {
		if s.SpanKind() == trace.SpanKindClient {
			clientSpans = append(clientSpans, s)
		}
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.String(), fake.SecretKey()) {
				t.Errorf("span %q attribute %s holds the key", s.Name(), a.Key)
			}
		}
	}
	requests := fake.Requests()
	if len(clientSpans) != 2 || len(requests) != 2 {
		t.Fatalf("%d client spans and %d requests; want 2 of each", len(clientSpans), len(requests))
	}
	for i, s := range clientSpans {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %q is not a child of the caller's span", s.Name())
		}
		want := fmt.Sprintf("00-%s-%s-01", s.SpanContext().TraceID(), s.SpanContext().SpanID())
		if got := requests[i].Header.Get("Traceparent"); got != want {
			t.Errorf("request %d (%s %s) carried traceparent %q; want %q", i, requests[i].Method, requests[i].Path, got, want)
		}
	}
}
