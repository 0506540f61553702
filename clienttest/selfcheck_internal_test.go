package clienttest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestContractSelfCheckCatchesTheFakesOwnAnswers breaks an answer of the fake's own on its way
// out, as a bug in clienttest would: the self-check must count it as a fake error and report
// it, AllowContractViolations or not. (Skip the check in answer, and this goes red.)
func TestContractSelfCheckCatchesTheFakesOwnAnswers(t *testing.T) {
	var reports []string
	var events []Event
	h, err := NewHandler(AllowContractViolations(), OnViolation(func(m string) { reports = append(reports, m) }),
		OnEvent(func(e Event) { events = append(events, e) }))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/v1/sign_in_tokens", strings.NewReader(`{"user_id":"user_a"}`))
	in, v := h.route(r)
	if in == nil || v != nil {
		t.Fatalf("route: %v %v", in, v)
	}
	w := httptest.NewRecorder()
	h.answer(w, r, in, http.StatusOK, map[string]any{"id": 1}) // not a SignInToken
	if w.Code != http.StatusOK {
		t.Fatalf("the broken answer was not written: %d", w.Code)
	}
	if c := h.Counts(); c.FakeErrors != 1 || c.UnexpectedViolations != 0 {
		t.Fatalf("counts %+v; want one fake error", c)
	}
	if len(reports) != 1 || len(h.FakeErrors()) != 1 || len(events) != 1 || events[0].Kind != EventFakeError ||
		!strings.Contains(reports[0], "fake error") || !strings.Contains(reports[0], "CreateSignInToken answer 200") {
		t.Fatalf("reports %q, fake errors %q, events %+v; want the one fake error, reported despite AllowContractViolations", reports, h.FakeErrors(), events)
	}
}
