package clienttest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/clerkgen/signintokens/gen"
)

// clerkErrors is Clerk's error body for code, with param as meta.param_name when set.
func clerkErrors(code, param string) gen.ClerkErrors {
	msg, long := messages(code, param)
	e := gen.ClerkError{Code: code, Message: msg, LongMessage: long}
	if param != "" {
		e.Meta = &map[string]any{"param_name": param}
	}
	trace := traceID()
	return gen.ClerkErrors{Errors: []gen.ClerkError{e}, ClerkTraceID: &trace}
}

// messages are Clerk's message and long_message for code.
func messages(code, param string) (string, string) {
	switch code {
	case "resource_not_found":
		return "not found", "Resource not found"
	case "form_param_missing":
		return "is missing", param + " must be included."
	case "form_param_value_invalid":
		return "is invalid", param + " is invalid."
	case "sign_in_token_cannot_be_revoked_code":
		return "the sign-in token cannot be revoked", "Only sign-in tokens with status 'pending' can be revoked."
	case "clerk_key_invalid":
		return "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
			"The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct."
	case "authorization_header_format_invalid":
		return "Invalid Authorization header format",
			"The Authorization header must be of the form \"Bearer <secret key>\"."
	case "authorization_invalid":
		return "Unauthorized request", "You are not authorized to perform this request"
	case "too_many_requests":
		return "Too many requests", "Too many requests, retry later"
	case "request_body_invalid":
		return "invalid request body", "The request body is not a JSON object of the expected shape."
	}
	return "Something went wrong", "Please try again later."
}

// traceID is a fresh clerk_trace_id.
func traceID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// faultBody is the ClerkErrors body Clerk gives with status.
func faultBody(status int) gen.ClerkErrors {
	switch {
	case status == http.StatusTooManyRequests:
		return clerkErrors("too_many_requests", "")
	case status == http.StatusUnauthorized:
		return clerkErrors("clerk_key_invalid", "")
	case status == http.StatusForbidden:
		return clerkErrors("authorization_invalid", "")
	case status == http.StatusNotFound:
		return clerkErrors("resource_not_found", "")
	case status >= 500:
		return clerkErrors("internal_clerk_error", "")
	}
	return clerkErrors("request_failed", "")
}
