package clienttest_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

func TestFinishedTokensAreEvictedPastTheLimit(t *testing.T) {
	const limit = 20
	s := clienttest.NewServer(t, clienttest.WithTokenLimit(limit))
	c := s.Client()
	ctx := context.Background()
	var last *api.SignInToken
	for i := range 200 {
		tok, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc"})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := c.Revoke(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
		} else {
			_ = s.Accept(tok.ID)
		}
		last = tok
	}
	if n := len(s.Tokens()); n > limit+limit/4 {
		t.Fatalf("%d finished tokens kept with a limit of %d", n, limit)
	}
	if toks := s.Tokens(); toks[len(toks)-1].ID != last.ID {
		t.Fatal("the newest token was evicted before older ones")
	}
}

func TestPendingTokensAreNeverEvictedButExpiredOnesAre(t *testing.T) {
	const limit = 4
	clock := newManualClock()
	s := clienttest.NewServer(t, clienttest.WithTokenLimit(limit), clienttest.WithClock(clock.Now))
	c := s.Client()
	ctx := context.Background()
	var pending []string
	for range 3 * limit {
		tok, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc", ExpiresIn: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, tok.ID)
	}
	if n := len(s.Tokens()); n != 3*limit {
		t.Fatalf("%d of %d pending tokens kept; a usable token must never be evicted", n, 3*limit)
	}
	if err := s.Accept(pending[0]); err != nil {
		t.Fatalf("the oldest pending token was lost: %v", err)
	}
	clock.Add(time.Minute) // every token so far has expired
	for range 3 * limit {
		if _, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc", ExpiresIn: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range s.Tokens() {
		if !tok.ExpiresAt.After(clock.Now()) {
			t.Fatalf("an expired token was kept past the limit: %+v (%d kept)", tok, len(s.Tokens()))
		}
	}
}

func TestHistoryKeepsTheMostRecent(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.WithHistory(3), clienttest.AllowContractViolations())
	c := s.Client()
	for i := range 5 {
		if _, err := c.Create(context.Background(), api.CreateParams{UserID: fmt.Sprintf("user_%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests kept, want 3", len(reqs))
	}
	for i, r := range reqs {
		if want := fmt.Sprintf(`"user_id":"user_%d"`, i+2); !strings.Contains(string(r.Body), want) {
			t.Errorf("request %d = %s; want the most recent three, oldest first", i, r.Body)
		}
	}
	for i := range 5 {
		post(t, s.URL()+"/sign_in_tokens", s.SecretKey(), fmt.Sprintf(`{"org_id":"org_%d"}`, i))
	}
	if n := len(s.Violations()); n != 3 {
		t.Fatalf("%d violations kept, want 3", n)
	}
	var vs struct{ Total int }
	newControlClient(t, s).do("GET", "/__clienttest/violations", "KEY", "", &vs)
	if vs.Total != 5 {
		t.Fatalf("total = %d; want all 5 counted", vs.Total)
	}
}

func TestRecordedRequestsAreBoundedExactCopies(t *testing.T) {
	s := clienttest.NewServer(t)
	org := strings.Repeat("o", 20<<10)
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/sign_in_tokens", strings.NewReader(`{"user_id":"user_2abc","org_id":"`+org+`"}`))
	req.Header.Set("Authorization", "Bearer "+s.SecretKey())
	req.Header.Set("Content-Type", "application/json")
	for i := range 20 {
		req.Header.Set(fmt.Sprintf("X-Padding-%02d", i), strings.Repeat("p", 1<<10))
	}
	for i := range 3000 { // empty fields: their cost is the field, not its bytes
		req.Header.Set(fmt.Sprintf("B-%04d", i), "") // after Authorization in name order
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	r := s.Requests()[0]
	if len(r.Body) != 16<<10 || cap(r.Body) != len(r.Body) {
		t.Errorf("recorded body: len %d cap %d; want 16 KiB at exact size", len(r.Body), cap(r.Body))
	}
	size, fields := 0, 0
	for name, vs := range r.Header {
		for _, v := range vs {
			size += len(name) + len(v)
			fields++
		}
	}
	if size+32*fields > 8<<10 || r.Header.Get("Authorization") == "" {
		t.Errorf("recorded headers hold %d bytes in %d fields (want ≤ 8 KiB counting 32 bytes a field, Authorization kept)", size, fields)
	}

	// A body over the fake's bound is refused without being read whole.
	big := `{"user_id":"user_2abc","org_id":"` + strings.Repeat("o", 100<<10) + `"}`
	tb := &reportsTo{TB: t}
	s2 := clienttest.NewServer(tb)
	resp2, body := rawPost(t, s2.URL()+"/sign_in_tokens", big, "Bearer "+s2.SecretKey())
	if resp2.StatusCode != 422 || errorCode(t, body) != "request_body_invalid" || len(tb.Reports()) != 1 || !strings.Contains(tb.Reports()[0], "over") {
		t.Fatalf("a 100 KiB body: %d %s, reports %q; want 422 request_body_invalid saying it is over the bound", resp2.StatusCode, body, tb.Reports())
	}
}

// TestViolationsAreCutAtTheirBound: a description is kept to 1 KiB, on a rune boundary,
// however long the request made it.
func TestViolationsAreCutAtTheirBound(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.AllowContractViolations())
	// kin-openapi quotes the Content-Type it refuses; a run of é puts the cut inside one.
	req, _ := http.NewRequest("POST", s.URL()+"/sign_in_tokens", strings.NewReader(`{"user_id":"u"}`))
	req.Header.Set("Authorization", "Bearer "+s.SecretKey())
	req.Header.Set("Content-Type", "text/"+strings.Repeat("é", 1000))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	v := s.Violations()
	if len(v) != 1 || len(v[0]) > 1<<10+len("…") || !strings.HasSuffix(v[0], "…") || !utf8.ValidString(v[0]) {
		t.Fatalf("violations %q; want one, cut to 1 KiB on a rune boundary", v)
	}
}

// TestFaultQueueAndControlBodiesAreBounded: the fault queue stops at 1024 entries, whichever
// door adds them, and a control body over 4 KiB is refused unread, valid or not.
func TestFaultQueueAndControlBodiesAreBounded(t *testing.T) {
	s := clienttest.NewServer(t)
	cc := newControlClient(t, s)
	var e struct{ Error string }
	padded := `{"kind":"drop"}` + strings.Repeat(" ", 4<<10) // valid JSON, a valid fault
	if status := cc.do("POST", "/__clienttest/faults", "KEY", padded, &e); status != 400 || !strings.Contains(e.Error, "over 4096 bytes") {
		t.Fatalf("a 4 KiB control body: %d %q; want 400 saying it is over the bound", status, e.Error)
	}
	for range 1024 {
		s.DropNext(1)
	}
	if status := cc.do("POST", "/__clienttest/faults", "KEY", `{"kind":"drop"}`, &e); status != 400 || !strings.Contains(e.Error, "queued already") {
		t.Fatalf("a fault past 1024 queued: %d %q; want 400", status, e.Error)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "queued already") {
			t.Fatalf("DropNext past 1024 queued: recovered %v; want a panic saying so", r)
		}
	}()
	s.DropNext(1)
}

// countingReader counts what is read of an endless body.
type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	c.n += int64(len(p))
	return len(p), nil
}

func TestRefusedAndOversizedBodiesAreNotReadWhole(t *testing.T) {
	h, err := clienttest.NewHandler(clienttest.AllowContractViolations())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"sk_test_wrong", h.SecretKey()} {
		body := &countingReader{}
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/v1/sign_in_tokens", body)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req) // an endless body: must return
		switch {
		case key != h.SecretKey() && (w.Code != 401 || body.n > 8<<10):
			t.Errorf("wrong key: %d, %d bytes read; want 401 with at most 4 KiB read (a small body is drained, so the 401 is not lost to a reset)", w.Code, body.n)
		case key == h.SecretKey() && (w.Code != 422 || body.n > 128<<10):
			t.Errorf("endless body: %d, %d bytes read; want 422 after at most the 64 KiB bound", w.Code, body.n)
		}
	}
	if len(h.Requests()) != 1 {
		t.Fatalf("%d requests recorded; want only the authenticated one", len(h.Requests()))
	}
}

// TestAHugeHistoryIsAcceptedAndAllocatedAsUsed: WithHistory(math.MaxInt), a caller's "keep
// everything", is a fake like any other; the history grows with what it records.
func TestAHugeHistoryIsAcceptedAndAllocatedAsUsed(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.WithHistory(math.MaxInt), clienttest.WithTokenLimit(math.MaxInt))
	if _, err := s.Client().Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Requests()); n != 1 {
		t.Fatalf("%d requests recorded; want 1", n)
	}
}
