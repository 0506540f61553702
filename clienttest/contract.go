package clienttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	signintokens "github.com/clerkgen/signintokens"
	"github.com/clerkgen/signintokens/internal/safepath"
)

// contract is the embedded openapi.yaml, parsed and routed once per process: every server and
// transport shares it, and no request pays for it.
type contract struct {
	router     routers.Router
	options    *openapi3filter.Options // read-only once built, so shared by every check
	specScheme string                  // the spec's server, which requests are matched against
	specHost   string
}

var loadContract = sync.OnceValues(func() (*contract, error) {
	doc, router, err := loadSpec("openapi.yaml", signintokens.OpenAPISpec())
	if err != nil {
		return nil, err
	}
	server, err := url.Parse(doc.Servers[0].URL)
	if err != nil {
		return nil, fmt.Errorf("clienttest: openapi.yaml server URL: %w", err)
	}
	options := &openapi3filter.Options{AuthenticationFunc: checkAuth, IncludeResponseStatus: true}
	options.WithCustomSchemaErrorFunc(schemaMessage)
	return &contract{router: router, options: options, specScheme: server.Scheme, specHost: server.Host}, nil
})

// loadSpec parses, validates and routes an embedded OpenAPI document (openapi.yaml, or the
// control API's), named for the error.
func loadSpec(name string, data []byte) (*openapi3.T, routers.Router, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, nil, fmt.Errorf("clienttest: load %s: %w", name, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, nil, fmt.Errorf("clienttest: %s is invalid: %w", name, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("clienttest: route %s: %w", name, err)
	}
	return doc, router, nil
}

func mustContract() *contract {
	c, err := loadContract()
	if err != nil {
		panic(err) // the embedded spec is checked by the root package's tests; this cannot happen in a release
	}
	return c
}

// violation is a request or response that breaks the contract, with the answer Clerk gives
// to such a request.
type violation struct {
	status  int
	code    string // Clerk error code for the answer
	param   string // meta.param_name, when one parameter is to blame
	message string // what was wrong, for the test log; never quotes a credential
	kind    string // a ViolationKind, or an auth failure's reason (ReasonNoKey, …)
}

// checkAuth is kin-openapi's AuthenticationFunc for bearerAuth: the header must be present and
// carry an sk_ key. Whether it is the right key is the fake's business, not the contract's.
func checkAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	const scheme = "Bearer " // the scheme is case-insensitive (RFC 9110 §11.1)
	switch {
	case h == "":
		return errors.New("no Authorization header")
	case len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme):
		return errors.New("the Authorization header is not \"Bearer <secret key>\"")
	case !strings.HasPrefix(h[len(scheme):], "sk_"):
		return errors.New("bearer token is not a secret key (sk_…)")
	}
	return nil
}

// schemaMessage describes a schema error by where and why, never by value: a value may be a
// token or a sign-in URL.
func schemaMessage(err *openapi3.SchemaError) string {
	return fmt.Sprintf("%s: %s", pointer(err), err.Reason)
}

func pointer(err *openapi3.SchemaError) string {
	if p := err.JSONPointer(); len(p) > 0 {
		return "/" + strings.Join(p, "/")
	}
	return "(body)"
}

// route finds the contract's operation for r, against the spec's server whatever host the
// request was sent to (the fake, a proxy, a development instance), so that only the path and
// method decide. It returns the violation for a request that is no operation of the contract.
func (c *contract) route(r *http.Request) (*openapi3filter.RequestValidationInput, *violation) {
	// A shallow copy with its own URL: the headers are shared, not cloned, since an
	// unauthenticated caller may send hundreds of kilobytes of them.
	routed := r.WithContext(r.Context())
	u := *r.URL
	u.Scheme, u.Host = c.specScheme, c.specHost
	routed.URL, routed.Host, routed.Body = &u, c.specHost, http.NoBody
	route, params, err := c.router.FindRoute(routed)
	if err != nil {
		return nil, &violation{status: http.StatusNotFound, code: "resource_not_found",
			message: fmt.Sprintf("%s is not an operation of the contract: %v", safepath.Request(r.Method, r.URL.Path), err)}
	}
	return &openapi3filter.RequestValidationInput{Request: routed, PathParams: params, Route: route, Options: c.options}, nil
}

// validate checks the routed request in, whose body is given apart since it was read already.
func (c *contract) validate(r *http.Request, in *openapi3filter.RequestValidationInput, body []byte) *violation {
	in.Request.Body = http.NoBody
	if len(body) > 0 {
		in.Request.Body = io.NopCloser(bytes.NewReader(body))
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return classify(in.Route.Operation.OperationID, err)
	}
	return nil
}

// checkRequest routes and validates r: the route for checking the answer, and the violation
// if there is one.
func (c *contract) checkRequest(r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, *violation) {
	in, v := c.route(r)
	if v != nil {
		return nil, v
	}
	return in, c.validate(r, in, body)
}

// declares reports whether the operation routed in in declares answers with status.
func declares(in *openapi3filter.RequestValidationInput, status int) bool {
	return in.Route.Operation.Responses.Status(status) != nil
}

// checkResponse validates an answer to the request in.
func (c *contract) checkResponse(ctx context.Context, in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header, Options: c.options,
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("%s answer %d breaks the contract: %w", in.Route.Operation.OperationID, status, err)
	}
	return nil
}

// classify turns a kin-openapi request error into the answer Clerk gives.
func classify(op string, err error) *violation {
	msg := fmt.Sprintf("%s request breaks the contract: %v", op, err)
	var sec *openapi3filter.SecurityRequirementsError
	if errors.As(err, &sec) {
		return &violation{status: http.StatusUnauthorized, code: "authorization_header_format_invalid", message: msg, kind: ReasonWrongScheme}
	}
	var schema *openapi3.SchemaError
	// An error at the body's root (an array, a string, null: not an object) names no parameter;
	// it is the body that is invalid, answered as a body that is not JSON is (below).
	if errors.As(err, &schema) && len(schema.JSONPointer()) > 0 {
		param := strings.Join(schema.JSONPointer(), ".")
		// Clerk answers an empty string as a missing parameter (openapi.yaml's minLength 1 on
		// user_id, from spec/overlay.yaml).
		if schema.SchemaField == "required" || (schema.SchemaField == "minLength" && schema.Value == "") {
			return &violation{status: http.StatusUnprocessableEntity, code: "form_param_missing", param: param, message: msg, kind: string(ParamMissing)}
		}
		return &violation{status: http.StatusUnprocessableEntity, code: "form_param_value_invalid", param: param, message: msg, kind: string(ParamInvalid)}
	}
	var reqErr *openapi3filter.RequestError
	if errors.As(err, &reqErr) && reqErr.Parameter != nil {
		return &violation{status: http.StatusUnprocessableEntity, code: "form_param_value_invalid", param: reqErr.Parameter.Name, message: msg, kind: string(ParamInvalid)}
	}
	// A body that is not JSON, not an object, or missing altogether.
	return &violation{status: http.StatusUnprocessableEntity, code: "request_body_invalid", message: msg, kind: string(BodyInvalid)}
}
