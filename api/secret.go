package api

import (
	"fmt"
	"log/slog"
	"strconv"
)

// Secret holds a credential, such as a sign-in token's Token and URL. Every way of rendering
// it—each fmt verb, encoding/json, log/slog—shows [REDACTED]; [Secret.Reveal] is the one way to
// read it, explicit and easy to find in a code review. The zero value is the empty secret.
//
// The value sits behind a pointer, so that even where fmt cannot call these methods (a Secret
// in an unexported struct field, at any depth) it prints an address, never the value. For
// the same reason == compares two Secrets by identity; compare what Reveal returns instead.
type Secret struct {
	v *string
}

// NewSecret returns a Secret holding s, for tests and fakes, and to hand a credential to
// code that must not show it (such as package bulk's Instance, for a secret key); the empty
// string gives the zero Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{&s}
}

// Reveal returns the secret value, or "" for the zero Secret. Hand what it returns only to the
// person the credential is for.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

const redacted = "[REDACTED]"

// String returns [REDACTED].
func (Secret) String() string { return redacted }

// GoString returns [REDACTED], for %#v.
func (Secret) GoString() string { return redacted }

// Format prints [REDACTED] for every verb (%v, %+v, %#v, %s, %q, %x…); %q quotes it.
func (Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, strconv.Quote(redacted))
		return
	}
	fmt.Fprint(f, redacted)
}

// LogValue logs [REDACTED], with every log/slog handler.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes "[REDACTED]", so that json.Marshal of any value holding a Secret does not
// carry the credential. Encode Reveal's result where the credential must go out.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns [REDACTED], for encoders that use encoding.TextMarshaler (map keys,
// slog's text handler, XML).
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
