// Package ctxsleep is the one context-aware sleep that api's retries and bulk's pauses share.
package ctxsleep

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx ends, whichever comes first, and returns ctx.Err() if ctx ended
// first. A d of zero or less does not wait but still reports an ended ctx, so a caller that
// loops on Sleep stops as soon as its caller gives up.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
