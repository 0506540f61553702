package bulk

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/clerkgen/signintokens/api"
)

// TestGroupCommit: changes from many goroutines at once land in fewer transactions than
// changes, each is durable when do returns, and one that fails gets its own error without
// taking the others in its group down with it.
func TestGroupCommit(t *testing.T) {
	st, err := OpenState(filepath.Join(t.TempDir(), "run.state"), Instance{SecretKey: api.NewSecret("sk_test_x")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const n = 200
	refused := errors.New("refused")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = st.commits.do(func(tx *bolt.Tx) error {
				if i == 7 {
					return refused
				}
				return tx.Bucket(bucketUsers).Put(fmt.Appendf(nil, "user_%03d", i), []byte(`{"state":"intent"}`))
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 7) != errors.Is(err, refused) || (i != 7 && err != nil) {
			t.Errorf("change %d: %v", i, err)
		}
	}
	recs, err := st.records()
	if err != nil || len(recs) != n-1 {
		t.Fatalf("%d records (%v), want %d", len(recs), err, n-1)
	}
	if c := st.commits.commits.Load(); c >= n {
		t.Errorf("%d transactions for %d changes: no grouping", c, n)
	}
	st.Close()
	if err := st.commits.do(func(*bolt.Tx) error { return nil }); !errors.Is(err, errStateClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
