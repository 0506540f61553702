package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The fake is a service a CI job runs beside its tests for as long as they take: its memory
// must not grow with the traffic it has seen, nor with what a hostile client sends. These run
// the built binary as a process and read its peak resident set size (VmHWM) from /proc.

const rssTarget = 64 << 20 // the figure docs/performance.md cites

// fakeProcess starts the built fake and returns its origin, key and pid; it is stopped (and its
// exit awaited) when the test ends.
func fakeProcess(t *testing.T, args ...string) (origin, key string, pid int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads the resident set size from /proc")
	}
	if raceEnabled {
		// The load comes from this test process; under the race detector it takes minutes.
		// `make interop` (run by CI) runs these without it.
		t.Skip("measured without -race: make interop runs it")
	}
	cmd := exec.Command(buildCommand(t), append([]string{"fake", "--addr", "127.0.0.1:0", "--fail-on-violation=false"}, args...)...)
	cmd.Env = withoutClerk(os.Environ())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard // a request log line each
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	vars := readPrintedLines(stdout)
	return vars["CLERK_API_URL"], vars["CLERK_SECRET_KEY"], cmd.Process.Pid
}

// peakRSS is the process's high-water resident set size, in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

// checkPeakRSS logs the peak RSS so far and fails the test above the target.
func checkPeakRSS(t *testing.T, pid int, after string) {
	t.Helper()
	rss := float64(peakRSS(t, pid)) / (1 << 20)
	t.Logf("peak RSS after %s: %.1f MiB", after, rss)
	if rss > rssTarget>>20 {
		t.Errorf("peak RSS %.1f MiB after %s; the target is under %d MiB", rss, after, rssTarget>>20)
	}
}

// hammer sends n requests from workers goroutines over keep-alive connections; each must get want.
func hammer(t *testing.T, n, workers int, want int, newRequest func() *http.Request) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	next := make(chan struct{})
	go func() {
		defer close(next)
		for range n {
			next <- struct{}{}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				resp, err := client.Do(newRequest())
				got := ""
				if err != nil {
					got = err.Error() // resp is nil
				} else {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != want {
						got = resp.Status
					}
				}
				if got != "" {
					mu.Lock()
					bad = append(bad, got)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("%d of %d requests did not get %d; first: %s", len(bad), n, want, bad[0])
	}
}

func TestFakeMemoryAfter100kCreates(t *testing.T) {
	origin, key, pid := fakeProcess(t)
	body := []byte(`{"user_id":"user_2abc","expires_in_seconds":3600}`)
	hammer(t, 100_000, 8, http.StatusOK, func() *http.Request {
		req, _ := http.NewRequest("POST", origin+"/v1/sign_in_tokens", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		return req
	})
	checkPeakRSS(t, pid, "100k creates")
}

func TestFakeMemoryUnderUnauthenticatedFloods(t *testing.T) {
	origin, _, pid := fakeProcess(t)
	// 1 MB of JSON, as the issue measured: past the 64 KiB the fake reads of an API body, but
	// neither request below gets that far.
	body := []byte(`{"user_id":"user_2abc","padding":"` + strings.Repeat("x", 1_000_000-40) + `"}`)
	header := strings.Repeat("h", 500<<10)
	// As the issue measured: 1 MB bodies with 500 KiB headers (refused at the header bound)…
	// (32 at once: net/http lingers half a second on each connection it refuses so.)
	hammer(t, 400, 32, http.StatusRequestHeaderFieldsTooLarge, func() *http.Request {
		req, _ := http.NewRequest("POST", origin+"/v1/sign_in_tokens", bytes.NewReader(body))
		req.Header.Set("X-Padding", header)
		return req
	})
	checkPeakRSS(t, pid, "400 requests of 1 MB with 500 KiB headers")
	// …and 1 MB bodies with ordinary headers, which reach the fake's key check.
	hammer(t, 400, 8, http.StatusUnauthorized, func() *http.Request {
		req, _ := http.NewRequest("POST", origin+"/v1/sign_in_tokens", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer sk_test_wrong")
		return req
	})
	checkPeakRSS(t, pid, "400 more 1 MB requests with a wrong key")
}
