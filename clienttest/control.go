package clienttest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/clerkgen/signintokens/internal/safepath"
)

// controlPrefix is where the control API lives: a path Clerk's API, all under /v1, never uses.
const controlPrefix = "/__clienttest/"

func isControlPath(p string) bool {
	return strings.HasPrefix(p, controlPrefix) || p == strings.TrimSuffix(controlPrefix, "/")
}

// controlSpec is the control API's own OpenAPI document, served at /__clienttest/openapi.yaml.
//
//go:embed control.yaml
var controlSpec []byte

// ControlSpec returns the control API's OpenAPI document (YAML), as the fake serves it at
// GET /__clienttest/openapi.yaml.
func ControlSpec() []byte { return bytes.Clone(controlSpec) }

// maxControlBody bounds a control request's body: a fault is a few dozen bytes.
const maxControlBody = 4 << 10

var loadControlRouter = sync.OnceValues(func() (routers.Router, error) {
	_, router, err := loadSpec("control.yaml", controlSpec)
	return router, err
})

// controlAPI serves the control API: the same model as the Handler's Go methods, over HTTP.
// Requests are checked against control.yaml as they arrive, so a malformed one is refused
// with the document's reason, and dispatched on their operationId.
type controlAPI struct {
	h       *Handler
	router  routers.Router
	options *openapi3filter.Options
}

func newControlAPI(h *Handler) *controlAPI {
	router, err := loadControlRouter()
	if err != nil {
		panic(err) // the embedded document is checked by this package's tests
	}
	options := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	options.WithCustomSchemaErrorFunc(schemaMessage)
	return &controlAPI{h: h, router: router, options: options}
}

// ServeHTTP serves the two open operations (health and this document) to anyone, and every
// other one only with the fake's key: a caller without it is an auth failure, counted, and
// can read nothing but these two, and change nothing. Open answers close their connection, as
// every answer to a caller without the key does (see Handler.ServeHTTP).
//
// HEAD is GET without the body (net/http drops it), as a readiness check may ask: curl -I,
// and wait-on's default.
func (c *controlAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case get && r.URL.Path == controlPrefix+"health":
		closeAfter(w, r)
		controlJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	case get && r.URL.Path == controlPrefix+"openapi.yaml":
		closeAfter(w, r)
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(controlSpec)
		return
	}
	if v := c.h.authenticate(r); v != nil {
		c.h.authFailed(v)
		closeAfter(w, r)
		controlError(w, http.StatusUnauthorized, "the control API takes the fake's secret key: Authorization: Bearer <key>")
		return
	}
	route, params, err := c.router.FindRoute(r)
	where := safepath.Request(r.Method, r.URL.Path)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		c.h.unknownRoute(where + ": the control API has no such method on this path")
		controlError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s", safepath.Method(r.Method), safepath.Of(r.URL.Path)))
		return
	case err != nil:
		c.h.unknownRoute(where + ": not a path of the control API")
		controlError(w, http.StatusNotFound, fmt.Sprintf("%s is not a path of the control API (see %sopenapi.yaml)", safepath.Of(r.URL.Path), controlPrefix))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
	if err != nil {
		controlError(w, http.StatusBadRequest, fmt.Sprintf("request body unreadable or over %d bytes", maxControlBody))
		return
	}
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) > 0 {
		// Every control body is JSON, whatever the client called it (curl -d says
		// application/x-www-form-urlencoded): be easy to drive from a shell.
		r.Header.Set("Content-Type", "application/json")
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: c.options}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		controlError(w, http.StatusBadRequest, fmt.Sprintf("%s: %s", route.Operation.OperationID, requestReason(err)))
		return
	}
	switch route.Operation.OperationID {
	case "ListRequests":
		reqs, total := c.h.requests.list(copyRequest)
		out := make([]controlRequest, len(reqs))
		for i, req := range reqs {
			out[i] = toControlRequest(req)
		}
		controlJSON(w, http.StatusOK, map[string]any{"requests": out, "total": total, "counts": c.h.Counts()})
	case "ListViolations":
		events, total := c.h.violations.list(func(e Event) Event { return e })
		out := make([]controlViolation, len(events))
		for i, e := range events {
			out[i] = controlViolation{Kind: e.Reason, Expected: e.Expected, Message: e.Message}
		}
		controlJSON(w, http.StatusOK, map[string]any{"violations": out, "total": total})
	case "ExpectViolations":
		var x controlExpectation
		if err := json.Unmarshal(body, &x); err != nil {
			controlError(w, http.StatusBadRequest, "ExpectViolations: "+err.Error())
			return
		}
		if err := c.h.events.queue(x.Count, x.Kind); err != nil {
			controlError(w, http.StatusBadRequest, "ExpectViolations: "+err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "ListTokens":
		toks := c.h.Tokens()
		out := make([]controlToken, len(toks))
		for i, t := range toks {
			out[i] = toControlToken(t)
		}
		controlJSON(w, http.StatusOK, map[string]any{"tokens": out})
	case "AcceptToken":
		tok, err := c.h.accept(params["id"])
		switch {
		case errors.Is(err, errUnknownToken):
			controlError(w, http.StatusNotFound, err.Error())
		case err != nil:
			controlError(w, http.StatusConflict, err.Error())
		default:
			controlJSON(w, http.StatusOK, toControlToken(tok))
		}
	case "QueueFault":
		if err := c.queueFault(body); err != nil {
			controlError(w, http.StatusBadRequest, "QueueFault: "+err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "Reset":
		c.h.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		controlError(w, http.StatusNotImplemented, route.Operation.OperationID+" is not implemented")
	}
}

// controlFault is a QueueFault body.
type controlFault struct {
	Kind              string `json:"kind"`
	Count             *int   `json:"count"`
	Status            *int   `json:"status"`
	RetryAfterSeconds int    `json:"retry_after_seconds"`
	LatencyMS         *int64 `json:"latency_ms"`
}

// queueFault does what FailNext, LoseNext, DropNext or SetLatency do, from a QueueFault body.
func (c *controlAPI) queueFault(body []byte) error {
	var f controlFault
	if err := json.Unmarshal(body, &f); err != nil {
		return err
	}
	n := 1
	if f.Count != nil {
		n = *f.Count
	}
	need := func(field string, set bool) error {
		if !set {
			return fmt.Errorf("kind %q needs %s", f.Kind, field)
		}
		return nil
	}
	switch f.Kind {
	case "fail":
		if err := need("status", f.Status != nil); err != nil {
			return err
		}
		return c.h.queue(n, fault{kind: failFault, status: *f.Status, retryAfter: time.Duration(f.RetryAfterSeconds) * time.Second})
	case "lose":
		if err := need("status", f.Status != nil); err != nil {
			return err
		}
		return c.h.queue(n, fault{kind: loseFault, status: *f.Status})
	case "drop":
		return c.h.queue(n, fault{kind: dropFault})
	case "latency":
		if err := need("latency_ms", f.LatencyMS != nil); err != nil {
			return err
		}
		c.h.SetLatency(time.Duration(*f.LatencyMS) * time.Millisecond)
		return nil
	}
	return fmt.Errorf("unknown kind %q", f.Kind)
}

// controlToken is a Token on the control API: never its ticket or URL, which the fake does not keep.
type controlToken struct {
	ID             string  `json:"id"`
	UserID         string  `json:"user_id"`
	OrganizationID *string `json:"organization_id"`
	Status         string  `json:"status"`
	CreatedAt      int64   `json:"created_at"`
	UpdatedAt      int64   `json:"updated_at"`
	ExpiresAt      int64   `json:"expires_at"`
}

func toControlToken(t Token) controlToken {
	out := controlToken{ID: t.ID, UserID: t.UserID, Status: string(t.Status),
		CreatedAt: t.CreatedAt.UnixMilli(), UpdatedAt: t.UpdatedAt.UnixMilli(), ExpiresAt: t.ExpiresAt.UnixMilli()}
	if t.OrganizationID != "" {
		out.OrganizationID = &t.OrganizationID
	}
	return out
}

// controlRequest is a Request on the control API. The Authorization header is redacted: it
// holds the fake's key, and only authenticated requests are recorded anyway.
type controlRequest struct {
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Header map[string][]string `json:"header"`
	Body   string              `json:"body"`
}

func toControlRequest(r Request) controlRequest {
	header := map[string][]string(r.Header)
	if _, ok := header["Authorization"]; ok {
		header["Authorization"] = []string{"[REDACTED]"}
	}
	return controlRequest{Method: r.Method, Path: r.Path, Header: header, Body: string(r.Body)}
}

type controlViolation struct {
	Kind     string `json:"kind"`
	Expected bool   `json:"expected"`
	Message  string `json:"message"`
}

// controlExpectation is an ExpectViolations body.
type controlExpectation struct {
	Count int           `json:"count"`
	Kind  ViolationKind `json:"kind"`
}

func controlJSON(w http.ResponseWriter, status int, v any) {
	payload, _ := json.Marshal(v)
	writeRaw(w, status, http.Header{"Content-Type": {"application/json"}}, payload)
}

func controlError(w http.ResponseWriter, status int, msg string) {
	controlJSON(w, status, map[string]string{"error": msg})
}

// requestReason is what a control request did wrong, by where and why.
func requestReason(err error) string {
	var schema *openapi3.SchemaError
	if errors.As(err, &schema) {
		return schemaMessage(schema)
	}
	var reqErr *openapi3filter.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.Error()
	}
	return err.Error()
}
