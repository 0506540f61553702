// Package signintokens is the root of a Go client for the sign-in-token endpoints of Clerk's
// Backend API. It holds the one OpenAPI document everything else is generated from or checked
// against; the client itself is package api, the fake API for tests is package clienttest.
package signintokens

import _ "embed"

//go:embed openapi.yaml
var spec []byte

// APIVersion is the Clerk Backend API version that openapi.yaml follows (its info.version).
// The client sends it as the Clerk-API-Version header; a test keeps it equal to the spec.
const APIVersion = "2026-05-12"

// OpenAPISpec returns the embedded openapi.yaml, the contract for both operations. Each call
// returns a fresh copy, so callers may keep or change it.
func OpenAPISpec() []byte {
	return append([]byte(nil), spec...)
}
