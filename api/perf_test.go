package api

import (
	"strings"
	"testing"
)

// checkID's fast path for printable ASCII must decide as its full checks do, byte for byte.
func TestCheckIDFastPathAgrees(t *testing.T) {
	slow := func(id string) bool { // checkID without the fast path
		return !strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f || r >= 0x80 })
	}
	for b := range 256 {
		id := "user_" + string([]byte{byte(b)}) + "x"
		if isVisibleASCII(id) != slow(id) {
			t.Errorf("byte %#x: fast path says %t", b, isVisibleASCII(id))
		}
		if isVisibleASCII(id) && checkID("f", id, true) != nil {
			t.Errorf("byte %#x: the fast path accepts what checkID refuses", b)
		}
	}
	for _, id := range []string{"user_\u00a0x", "user_\u200bx", "user_\u2028x", "user_\x85x", "user_ü"} {
		if isVisibleASCII(id) {
			t.Errorf("%q took the fast path", id)
		}
	}
}
