//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO (a named pipe a neighbour planted, or a path mistyped onto one) has no writer: opening
// it to read waited for one for ever. It is refused at once, as is a device.
func TestRefusesAFIFOWithoutWaiting(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "2026-05-12.yml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		refuses(t, fifo, "not a regular file")
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		// Release the tool (a writer that closes at once) so the test can end, red.
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		<-done
		t.Fatal("spec-update waited for a writer on a FIFO instead of refusing it")
	}
	refuses(t, "/dev/zero", "not a regular file")
}
