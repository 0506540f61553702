// Package helper is internal: not part of the API, never gated.
package helper

// Help is exported, but only to the module itself.
func Help() {}
