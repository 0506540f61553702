package bench

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// The comparison is fair only if every variant does the whole job: each one creates a token
// and revokes it against the fake, which checks every request against openapi.yaml (and
// fails the test on a violation), and on the canned transport the benchmarks use.
func TestEveryClientCreatesAndRevokes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range clientNames {
		t.Run(name, func(t *testing.T) {
			s := clienttest.NewServer(t)
			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			c := newClient(t, name, s.URL(), s.SecretKey(), &http.Client{Transport: tr})
			id, err := c.create(ctx, "user_2abc")
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			toks := s.Tokens()
			if len(toks) != 1 || toks[0].ID != id || toks[0].Status != api.StatusPending {
				t.Fatalf("after create: the fake holds %d tokens; want one pending %s", len(toks), id)
			}
			status, err := c.revoke(ctx, id)
			if err != nil || status != string(api.StatusRevoked) {
				t.Fatalf("revoke: status %q, %v", status, err)
			}
			if got := s.Tokens()[0].Status; got != api.StatusRevoked {
				t.Fatalf("after revoke: the fake has the token %s", got)
			}
			if reqs := s.Requests(); len(reqs) != 2 {
				t.Fatalf("the fake saw %d requests; want 2", len(reqs))
			}

			canned := newClient(t, name, cannedBaseURL, benchKey, &http.Client{Transport: cannedTransport{}})
			if id, err := canned.create(ctx, "user_2abc"); err != nil || id != "sit_2abcDEFghiJKLmnoPQRstuVWXyz" {
				t.Errorf("canned create: %q, %v", id, err)
			}
			if status, err := canned.revoke(ctx, "sit_2abcDEFghiJKLmnoPQRstuVWXyz"); err != nil || status != "revoked" {
				t.Errorf("canned revoke: %q, %v", status, err)
			}
		})
	}
}
