package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// A server chooses the ids, statuses, messages, codes and trace ids the command prints. A
// hostile or broken one must not be able to clear the screen, retitle the window, hide text
// behind a bidi override, or start a line that looks like one of ours ("error: …"). So every
// server-chosen string reaches a terminal through terminalText (text output and stderr) or
// terminalJSON (--json), never raw.

const (
	maxFieldLen = 256  // an id, a status, a user id: Clerk's are a few dozen characters
	maxLineLen  = 1024 // one error line
)

// terminalSafe reports whether a terminal shows r as itself: letters, marks, numbers,
// punctuation, symbols and spaces. Not C0 or C1 controls, DEL, line or paragraph separators,
// invisible formatting (bidi overrides and isolates, zero-width characters, tag characters),
// private use or unassigned code points.
func terminalSafe(r rune) bool { return r != utf8.RuneError && unicode.IsGraphic(r) }

// terminalText returns s on one line with every rune a terminal would act on escaped as Go
// would write it (\n, \x1b, \u202e; a byte of invalid UTF-8 as \xff), and cut to at most max
// bytes, marked with "…" when cut.
func terminalText(s string, max int) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := s[i : i+size]
		if !terminalSafe(r) {
			piece = escapeRune(r, size, s[i])
		}
		i += size
		if b.Len()+len(piece) > max {
			b.WriteString("…")
			break
		}
		b.WriteString(piece)
	}
	return b.String()
}

// escapeRune writes r, size bytes of text starting with first, as a Go escape.
func escapeRune(r rune, size int, first byte) string {
	switch {
	case r == '\n':
		return `\n`
	case r == '\r':
		return `\r`
	case r == '\t':
		return `\t`
	case size == 1:
		return fmt.Sprintf(`\x%02x`, first) // an ASCII control, or a byte of invalid UTF-8
	case r <= 0xFFFF:
		return fmt.Sprintf(`\u%04x`, r)
	}
	return fmt.Sprintf(`\U%08x`, r)
}

// terminalJSON rewrites the output of encoding/json so that a terminal shows it as text: every
// rune encoding/json leaves raw that is not terminalSafe (DEL, C1 controls, bidi and other
// invisible formatting) becomes a \u escape. JSON's structure is ASCII, so such runes can only
// stand inside strings, where the escape means the same value: a program decoding the output
// reads exactly what the server sent.
func terminalJSON(js []byte) []byte {
	out := make([]byte, 0, len(js))
	for i := 0; i < len(js); {
		r, size := utf8.DecodeRune(js[i:])
		switch {
		case r < 0x20 || terminalSafe(r): // encoding/json escaped the C0 controls already
			out = append(out, js[i:i+size]...)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		default: // encoding/json never writes invalid UTF-8, so r is the rune itself
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	return out
}
