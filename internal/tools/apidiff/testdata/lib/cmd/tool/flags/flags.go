// Package flags is a command's own package, under cmd/: not part of the API.
package flags

// Parse parses.
func Parse() {}
