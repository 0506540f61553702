package bulk_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: a worker, a pause or a
// request that outlives its run.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
