package ctxsleep

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"an ended context ends an hour's wait", ended, time.Hour, context.Canceled},
		{"an ended context is reported without a wait", ended, 0, context.Canceled},
		{"a negative wait on an ended context", ended, -time.Second, context.Canceled},
		{"a short wait completes", context.Background(), time.Millisecond, nil},
		{"no wait", context.Background(), 0, nil},
	} {
		if err := Sleep(tc.ctx, tc.d); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: Sleep = %v, want %v", tc.name, err, tc.want)
		}
	}
}
