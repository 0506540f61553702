package api

import (
	"errors"
	"io"
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

// readBody reads what io.ReadAll reads, whatever the declared length says: shorter, exact,
// longer, unknown, read in pieces, or failing midway.
func TestReadBodyAgreesWithReadAll(t *testing.T) {
	body := strings.Repeat("0123456789", 150)
	for _, declared := range []int64{-1, 0, 1, 100, 1499, 1500, 1501, 4096} {
		for _, chunk := range []int{1, 7, 512, 4096} {
			got, err := readBody(&chunked{s: body, n: chunk}, declared)
			if err != nil || string(got) != body {
				t.Errorf("declared %d, chunks of %d: %d bytes, %v; want all %d", declared, chunk, len(got), err, len(body))
			}
		}
	}
	// A body that ends where it said it would is read into one buffer: no second one, as
	// io.ReadAll's growing or a look past the end for EOF would need.
	r := strings.NewReader(body)
	if n := testing.AllocsPerRun(20, func() {
		r.Reset(body)
		_, _ = readBody(r, int64(len(body)))
	}); n != 1 {
		t.Errorf("reading a body of its declared length allocates %v times; want 1", n)
	}
	failing := &chunked{s: body, n: 100, failAt: 700}
	got, err := readBody(failing, 1500)
	if !errors.Is(err, errFailing) || string(got) != body[:700] {
		t.Errorf("failing midway: %d bytes, %v; want the 700 bytes read and the error", len(got), err)
	}
}

var errFailing = errors.New("connection reset")

// chunked hands out s n bytes at a time, failing once failAt bytes are out (0: never).
type chunked struct {
	s         string
	n, failAt int
	off       int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.failAt > 0 && c.off >= c.failAt {
		return 0, errFailing
	}
	if c.off == len(c.s) {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.s[c.off:])
	c.off += n
	return n, nil
}
