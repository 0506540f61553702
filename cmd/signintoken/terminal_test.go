package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// evil is what a hostile server puts in every string it controls: a screen clear, a window
// title, a bell, a bidi override, a zero-width space, DEL, a C1 CSI, a tag character, a line
// separator, a carriage return, and a line that forges the command's own error output.
const evil = "\x1b[2J\x1b]0;pwned\x07\u202e\u200b\x7f\u009b31m\U000E0041\u2028\r\nerror: forged"

// unsafeRune reports a rune a terminal could act on, by the test's own list (not the code's):
// C0 controls but the newline that ends a line, DEL, C1, invisible formatting, separators,
// and invalid UTF-8.
func unsafeRune(r rune) bool {
	return r < 0x20 && r != '\n' || r >= 0x7f && r < 0xa0 || r == utf8.RuneError ||
		unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co)
}

// assertTerminalSafe fails when out holds a rune a terminal could act on, or a line that
// starts like the forged one.
func assertTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for i, r := range out {
		if unsafeRune(r) {
			t.Errorf("%s: rune %U at byte %d reaches the terminal:\n%q", what, r, i, out)
			return
		}
	}
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "error: forged") {
			t.Errorf("%s: a forged line reaches the terminal:\n%q", what, out)
		}
	}
}

func TestTerminalText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sit_2abc", "sit_2abc"},
		{"Résumé ünïcode 日本 ✓, spaces\u00a0ok", "Résumé ünïcode 日本 ✓, spaces\u00a0ok"},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"\x1b[2J\x07\x7f", `\x1b[2J\x07\x7f`},
		{"\u009b31m\u0085", `\u009b31m\u0085`},
		{"abc\u202edef\u2066\u200b\ufeff\u00ad", `abc\u202edef\u2066\u200b\ufeff\u00ad`},
		{"tag\U000E0041\U000F0000", `tag\U000e0041\U000f0000`},
		{"\u2028\u2029", `\u2028\u2029`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"\ufffd", `\ufffd`},
	} {
		if got := terminalText(tc.in, 100); got != tc.want {
			t.Errorf("terminalText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTerminalTextIsCut(t *testing.T) {
	for _, in := range []string{strings.Repeat("a", 1000), strings.Repeat("日", 1000), strings.Repeat("\x1b", 1000)} {
		got := terminalText(in, 64)
		if len(got) > 64+len("…") || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
			t.Errorf("terminalText(%.8q…, 64) = %q (%d bytes): want at most 64 bytes and a mark", in, got, len(got))
		}
	}
	if got := terminalText("abc", 3); got != "abc" {
		t.Errorf("a string of exactly the bound was cut: %q", got)
	}
}

// TestTerminalJSONKeepsValues: the escapes change how --json looks on a terminal, never what
// a program decodes from it.
func TestTerminalJSONKeepsValues(t *testing.T) {
	in := map[string]string{"id": "sit_" + evil, "plain": "https://x/?a=1&b=2 日本", "astral": "\U0001F600\U000E0041"}
	js, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out := terminalJSON(js)
	assertTerminalSafe(t, "terminalJSON", string(out))
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("not JSON any more: %v\n%s", err, out)
	}
	for k, v := range in {
		if got[k] != v {
			t.Errorf("%s: decoded %q, want %q", k, got[k], v)
		}
	}
	if !strings.Contains(string(out), "\U0001F600") {
		t.Errorf("a printable astral rune was escaped: %s", out)
	}
}

// TestFailPrintsOneEscapedLine: fail escapes whatever error it is given, not only the api's
// (which arrive cleaned already, so end-to-end tests pass without this escaping).
func TestFailPrintsOneEscapedLine(t *testing.T) {
	var stderr strings.Builder
	code := fail(&stderr, errors.New("not found\nerror: key revoked\x1b[2J\u202e"))
	out := stderr.String()
	if code != exitError || strings.Count(out, "\n") != 1 || strings.ContainsAny(out, "\x1b\u202e") {
		t.Fatalf("fail = %d, printed %q; want exit 1 and one line with the escapes written out", code, out)
	}
	if !strings.Contains(out, `\nerror: key revoked\x1b[2J\u202e`) {
		t.Errorf("printed %q; want the characters escaped, not dropped", out)
	}
}

// TestOutputFailedEscapesTheServersID: the one line that names a token minted but not
// printed carries the server's id and the write error escaped, like every other line.
func TestOutputFailedEscapesTheServersID(t *testing.T) {
	var stderr strings.Builder
	outputFailed(&stderr, "sit_1"+evil, "minted", "", errors.New("write /dev/stdout: broken pipe"+evil))
	out := stderr.String()
	if strings.Count(out, "\n") != 1 || strings.ContainsFunc(out[:len(out)-1], func(r rune) bool { return !terminalSafe(r) }) {
		t.Fatalf("printed %q; want one line, every unsafe rune escaped", out)
	}
}
