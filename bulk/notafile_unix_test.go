//go:build unix

package bulk_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/bulk"
)

// TestOutputMustBeAFile: --out /dev/stdout (a pipe) or a named pipe cannot be
// read back on resume; reading a pipe the run itself holds open blocked the run forever,
// deaf to SIGTERM. Such a path is refused at once, and nothing is sent.
func TestOutputMustBeAFile(t *testing.T) {
	for name, pipeIsOutput := range map[string]bool{"named pipe as output": true, "named pipe as journal": false} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			f := bulk.Files{Output: filepath.Join(dir, "links.jsonl"), Journal: fifo}
			if pipeIsOutput {
				f = bulk.Files{Output: fifo, Journal: filepath.Join(dir, "links.journal")}
			}
			fake := newFake(t)
			done := make(chan error, 1)
			go func() {
				_, err := bulk.Mint(context.Background(), fake.client(t), users(2), f, fast())
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "not a regular file") {
					t.Fatalf("err = %v", err)
				}
			case <-time.After(10 * time.Second):
				os.Remove(fifo) // the run is stuck reading the pipe; the test has failed anyway
				t.Fatal("Mint blocked on a pipe")
			}
			if len(fake.Requests()) != 0 {
				t.Fatal("requests sent")
			}
		})
	}
}
