package bulk_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
	"github.com/clerkgen/signintokens/clienttest"
)

// fakeClerk is the clienttest fake behind a test's own front: it records when API requests
// arrive, and lets a test answer a request itself (a 429, say) before the fake sees it.
type fakeClerk struct {
	*clienttest.Handler
	srv *httptest.Server

	mu        sync.Mutex
	arrivals  []time.Time                      // every API request, as it arrived
	tooMany   []time.Time                      // when each 429 was answered
	intercept func(n int, r *http.Request) int // status to answer the n-th API request with; 0: pass
}

func newFake(t testing.TB, opts ...clienttest.Option) *fakeClerk {
	t.Helper()
	h, err := clienttest.NewHandler(append([]clienttest.Option{clienttest.OnViolation(func(msg string) {
		t.Errorf("clienttest: %s", msg)
	})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeClerk{Handler: h}
	f.srv = httptest.NewServer(f)
	t.Cleanup(func() { h.Close(); f.srv.Close() })
	return f
}

func (f *fakeClerk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	f.mu.Lock()
	f.arrivals = append(f.arrivals, now)
	n := len(f.arrivals)
	intercept := f.intercept
	f.mu.Unlock()
	status, retryAfter := 0, 0
	if intercept != nil {
		if status = intercept(n, r); status == http.StatusTooManyRequests {
			retryAfter = 1
		}
	}
	if status == 0 {
		f.Handler.ServeHTTP(w, r)
		return
	}
	if status == http.StatusTooManyRequests {
		f.mu.Lock()
		f.tooMany = append(f.tooMany, now)
		f.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, retryAfter)))
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":"too_many_requests","message":"Too many requests","long_message":"Too many requests, please try again later."}],"clerk_trace_id":"test"}`)
}

func (f *fakeClerk) Arrivals() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.arrivals...)
}

func (f *fakeClerk) TooMany() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.tooMany...)
}

// client is an api client for the fake, with the retry policy bulk runs want.
func (f *fakeClerk) client(t testing.TB, opts ...api.Option) *api.Client {
	t.Helper()
	base := []api.Option{api.WithBaseURL(f.srv.URL + "/v1"), api.WithRetryPolicy(bulk.ClientRetryPolicy())}
	c, err := api.NewClient(f.SecretKey(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tokensPerUser counts the tokens the fake minted for each user.
func (f *fakeClerk) tokensPerUser() map[string]int {
	n := map[string]int{}
	for _, tok := range f.Tokens() {
		n[tok.UserID]++
	}
	return n
}

func users(n int) []bulk.Input {
	in := make([]bulk.Input, n)
	for i := range in {
		in[i] = bulk.Input{UserID: fmt.Sprintf("user_%04d", i)}
	}
	return in
}

// fast is a limiter that does not slow a unit test down.
func fast() bulk.Option { return bulk.WithLimiter(bulk.NewLimiter(100000, time.Second)) }

// runFiles are a test run's state file and links file, against one fake instance.
type runFiles struct {
	State, Output string
	inst          bulk.Instance
}

func files(t testing.TB, fake *fakeClerk) runFiles {
	return filesFor(t, fake.srv.URL+"/v1", fake.SecretKey())
}

func filesFor(t testing.TB, baseURL, key string) runFiles {
	dir := t.TempDir()
	return runFiles{State: filepath.Join(dir, "run.state"), Output: filepath.Join(dir, "links.jsonl"),
		inst: bulk.Instance{BaseURL: baseURL, SecretKey: api.NewSecret(key)}}
}

// mint runs Mint on the run's state, as the CLI does: open, mint, export, close.
func (f runFiles) mint(ctx context.Context, c *api.Client, in []bulk.Input, opts ...bulk.Option) (*bulk.Report, error) {
	st, err := bulk.OpenState(f.State, f.inst)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rep, err := bulk.Mint(ctx, c, in, st, opts...)
	if _, xerr := st.Export(f.Output); xerr != nil && err == nil {
		err = xerr
	}
	return rep, err
}

// revoke runs Revoke on the run's state.
func (f runFiles) revoke(ctx context.Context, c *api.Client, opts ...bulk.Option) (*bulk.Report, error) {
	st, err := bulk.OpenState(f.State, f.inst)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return bulk.Revoke(ctx, c, st, opts...)
}

// status reads the run's state.
func (f runFiles) status(t testing.TB) bulk.Status {
	t.Helper()
	st, err := bulk.OpenExistingState(f.State)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Status()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// outputLine is a line of the output, credentials included.
type outputLine struct {
	UserID    string `json:"user_id"`
	ID        string `json:"id"`
	URL       string `json:"url"`
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expires_at"`
	Status    string `json:"status"`
}

func readOutput(t testing.TB, path string) []outputLine {
	t.Helper()
	var out []outputLine
	for i, raw := range readLines(t, path) {
		var l outputLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("%s line %d: %v", path, i+1, err)
		}
		out = append(out, l)
	}
	return out
}

func readLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// signIn follows a sign-in URL, as the user would.
func signIn(t testing.TB, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signing in with an output URL: %s", resp.Status)
	}
}

func allowViolations() clienttest.Option { return clienttest.AllowContractViolations() }
