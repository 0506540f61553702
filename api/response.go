package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/clerkgen/signintokens/gen"
)

// readResponse reads resp's body and closes it. A 2xx decodes to a sign-in token; anything
// else becomes an *Error. It is the one place where responses become results.
func readResponse(resp *http.Response, redact func(string) string) (*SignInToken, error) {
	var body []byte
	readErr := errBodyTooLarge
	if resp.ContentLength <= maxBodyBytes { // a body declared too large is not read at all
		body, readErr = io.ReadAll(resp.Body)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newError(resp, body, redact) // a truncated or unreadable body still yields its status
	}
	if readErr != nil {
		return nil, fmt.Errorf("%w: %d response: %w", ErrInvalidResponse, resp.StatusCode, readErr)
	}
	var raw gen.SignInToken
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: %d response is not a sign-in token: %v", ErrInvalidResponse, resp.StatusCode, jsonProblem(err))
	}
	if raw.Object != gen.SignInTokenObjectSignInToken || raw.ID == "" {
		return nil, fmt.Errorf("%w: %d response is not a sign-in token (object %q, id empty: %t)",
			ErrInvalidResponse, resp.StatusCode, cleanText(redact(string(raw.Object)), maxCodeLen), raw.ID == "")
	}
	return fromGen(raw), nil
}

// jsonProblem describes a decoding error without quoting the body, which may hold credentials.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has JSON type %s, want %s", typ.Field, typ.Value, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return "undecodable JSON"
}
