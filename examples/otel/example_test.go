package otelexample_test

import (
	"context"
	"log"
	"os"

	"go.opentelemetry.io/otel"

	"github.com/clerkgen/signintokens/api"
	otelexample "github.com/clerkgen/signintokens/examples/otel"
)

// The program's tracer provider (here the global one, which an OpenTelemetry SDK set up
// elsewhere fills in) traces every request the client sends.
func ExampleNewClient() {
	c, err := otelexample.NewClient(os.Getenv("CLERK_SECRET_KEY"), otel.GetTracerProvider())
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	if err != nil {
		log.Fatal(err)
	}
	_ = tok // hand tok.URL.Reveal() to the user
}
