package main

import (
	"context"
	"os"
	"time"
)

// parentPollInterval is how often --exit-with-parent looks for its parent. Linux can signal a
// child when its parent dies (PR_SET_PDEATHSIG), but only a parent can ask for that before
// starting the child, which a shell cannot; so the fake polls. A quarter of a second costs
// nothing and stops the fake promptly.
const parentPollInterval = 250 * time.Millisecond

// watchParent calls stop once parent, the process that started this one, has gone: the fake
// is then re-parented (to init, or a subreaper), so its parent process id changes. parent is
// read before the fake says it is ready, so a parent that exits at once is still noticed.
func watchParent(ctx context.Context, stop context.CancelFunc, parent int, every time.Duration) {
	if os.Getppid() != parent {
		stop()
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if os.Getppid() != parent {
				stop()
				return
			}
		}
	}
}
