package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// readResponse reads resp's body and closes it. A 2xx decodes to a sign-in token; anything
// else becomes an *Error. It is the one place where responses become results.
func readResponse(resp *http.Response, redact func(string) string) (*SignInToken, error) {
	var body []byte
	readErr := errBodyTooLarge
	if resp.ContentLength <= maxBodyBytes { // a body declared too large is not read at all
		body, readErr = readBody(resp.Body, resp.ContentLength)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newError(resp, body, redact) // a truncated or unreadable body still yields its status
	}
	if readErr != nil {
		return nil, fmt.Errorf("%w: %d response: %w", ErrInvalidResponse, resp.StatusCode, readErr)
	}
	d := new(decodedToken)
	if err := json.Unmarshal(body, &d.wire); err != nil {
		return nil, fmt.Errorf("%w: %d response is not a sign-in token: %v", ErrInvalidResponse, resp.StatusCode, jsonProblem(err))
	}
	if !d.wire.Object.isToken || d.wire.ID == "" {
		return nil, fmt.Errorf("%w: %d response is not a sign-in token (object %q, id empty: %t)",
			ErrInvalidResponse, resp.StatusCode, cleanRedacted(d.wire.Object.other, maxCodeLen, redact), d.wire.ID == "")
	}
	return d.result(), nil
}

// readBody reads r to its end, as io.ReadAll does, into one buffer sized for the declared
// length when there is one (io.ReadAll starts at 512 bytes and grows, copying, to fit a
// sign-in token of about 1.5 KB). A body that runs past its declared length is still read on.
func readBody(r io.Reader, declared int64) ([]byte, error) {
	if declared < 0 || declared > maxBodyBytes {
		return io.ReadAll(r)
	}
	buf := make([]byte, 0, declared+1) // the extra byte: reaching it means the body ran on
	for len(buf) < cap(buf) {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	rest, err := io.ReadAll(r)
	return append(buf, rest...), err
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
