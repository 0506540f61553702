package bulk

import (
	"strings"
	"testing"
)

// TestScanLines: a torn or garbled last line is let go; a garbled line before it is an error,
// whatever the caller would make of it.
func TestScanLines(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		lines    int
		good     int64
		err      string
	}{
		{"clean", "{}\n{}\n", 2, 6, ""},
		{"cut short", "{}\n{}\n{\"a\":", 2, 6, ""},
		{"garbled last", "{}\n{}\n\x00\x00\n", 2, 6, ""},
		{"garbled middle", "{}\nnot json\n{}\n", 0, 0, "line 2 is not JSON"},
		{"empty", "", 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			good, err := scanLines(strings.NewReader(tc.in), "f", func(int, []byte) error { n++; return nil })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || n != tc.lines || good != tc.good {
				t.Fatalf("got %d lines, good %d, err %v; want %d lines, good %d", n, good, err, tc.lines, tc.good)
			}
		})
	}
}
