package main

import (
	"context"
	"os"
	"testing"
	"time"
)

// A parent that exited before the watch began (go run killed right after the fake printed its
// lines) is noticed at once, not waited for forever.
func TestWatchParentNoticesAParentAlreadyGone(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan struct{})
	go func() { watchParent(ctx, stop, os.Getppid()+1, time.Hour); close(done) }()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a parent already gone was not noticed")
	}
	<-done
}

// While the parent lives, the watch only watches; it ends with its context.
func TestWatchParentKeepsServingWhileTheParentLives(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := false
	done := make(chan struct{})
	go func() { watchParent(ctx, func() { stopped = true }, os.Getppid(), time.Millisecond); close(done) }()
	time.Sleep(20 * time.Millisecond) // twenty polls
	cancel()
	<-done
	if stopped {
		t.Fatal("stopped while the parent lives")
	}
}
