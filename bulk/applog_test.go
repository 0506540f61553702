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

// BenchmarkAppend is one durable journal line, by one writer and by many: concurrent writers
// share fsyncs, so ns/op falls with parallelism.
func BenchmarkAppend(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		name := "serial"
		if parallel {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) {
			l, err := openLog(b.TempDir()+"/journal", func(int, []byte) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
			defer l.close()
			e := event{Event: evIntent, UserID: "user_2abcdefghijklmnopqrstuvwxyz"}
			if !parallel {
				for b.Loop() {
					if err := l.append(e); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := l.append(e); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
