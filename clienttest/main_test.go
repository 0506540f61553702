package clienttest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: a retry wait, a latency
// timer or a connection that outlives its call.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
