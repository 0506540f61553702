//go:build unix

package bulk

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// BenchmarkStatePerToken is what the state file costs one token: its intent and its outcome
// (a minted token with a 1 KiB URL and token), each a durable transaction, from 16 workers at
// once as in a run, with no network. It reports the wall time and the CPU time per token, and
// the transactions per token (group commit makes it less than 2). At Clerk's production limit
// (100 tokens/s), cpu-µs/token ÷ 100 is the state's share of one core in percent.
// Run it with: go test -run '^$' -bench StatePerToken ./bulk
func BenchmarkStatePerToken(b *testing.B) {
	const workers = 16
	st, err := OpenState(filepath.Join(b.TempDir(), "run.state"), Instance{BaseURL: "https://api.clerk.com", SecretKey: api.NewSecret("sk_live_x")})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cred := strings.Repeat("x", 1024)
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				user := fmt.Sprintf("user_%08d", i)
				if err := st.update(user, creating{}.intent); err != nil {
					b.Error(err)
					return
				}
				err := st.update(user, func(r *record) {
					r.State, r.ID, r.URL, r.Token, r.ExpiresAt, r.Status = stateMinted, "sit_"+user, cred, cred, 1, "pending"
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	for i := range b.N {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N), "ns/token")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/token")
	b.ReportMetric(float64(st.commits.commits.Load())/float64(b.N), "tx/token")
}
