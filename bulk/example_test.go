package bulk_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
	"github.com/clerkgen/signintokens/clienttest"
)

// Mint a link for each user of a CSV file, then run again as after a crash: the second run
// mints nothing twice.
func ExampleMint() {
	// The fake stands in for Clerk here; in production: api.NewClient(os.Getenv("CLERK_SECRET_KEY"), …).
	fake, _ := clienttest.NewHandler()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := api.NewClient(fake.SecretKey(), api.WithBaseURL(srv.URL+"/v1"), api.WithRetryPolicy(bulk.ClientRetryPolicy()))
	if err != nil {
		log.Fatal(err)
	}

	var users []bulk.Input
	users, err = bulk.ReadInputs(strings.NewReader("user_id,email\nuser_2abc,a@example.com\nuser_2def,b@example.com\nuser_2abc,a@example.com\n"))
	if err != nil {
		log.Fatal(err)
	}
	dir, _ := os.MkdirTemp("", "bulk-example")
	defer os.RemoveAll(dir)
	statePath, links := filepath.Join(dir, "run.state"), filepath.Join(dir, "links.jsonl")
	instance := bulk.Instance{BaseURL: srv.URL + "/v1", SecretKey: api.NewSecret(fake.SecretKey())}
	limit := bulk.WithLimiter(bulk.NewLimiter(100, time.Second)) // or bulk.LimiterFor(key)

	for range 2 { // the second run is a resume: it mints nothing twice
		st, err := bulk.OpenState(statePath, instance)
		if err != nil {
			log.Fatal(err)
		}
		report, err := bulk.Mint(context.Background(), c, users, st, limit, bulk.WithExpiry(7*24*time.Hour))
		if err != nil {
			log.Fatal(err)
		}
		n, err := st.Export(links) // the links file: credentials, 0600
		if err != nil {
			log.Fatal(err)
		}
		st.Close()
		fmt.Printf("minted %d, skipped %d, duplicates %d, unknown %v, exported %d\n", report.Done, report.Skipped, report.Duplicates, report.UnknownIDs, n)
	}
	fmt.Println("tokens on the server:", len(fake.Tokens()))

	st, err := bulk.OpenState(statePath, instance) // the undo takes the same state, and its lock
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	report, err := bulk.Revoke(context.Background(), c, st, limit)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("revoked", report.Done)
	// Output:
	// minted 2, skipped 0, duplicates 1, unknown [], exported 2
	// minted 0, skipped 2, duplicates 1, unknown [], exported 2
	// tokens on the server: 2
	// revoked 2
}
