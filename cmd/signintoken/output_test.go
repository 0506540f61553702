package main

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/clerkgen/signintokens/api"
)

// newToken is the one place the tests set a token's credentials.
func newToken(id, token, url string) *api.SignInToken {
	return &api.SignInToken{ID: id, UserID: "user_1", Status: api.StatusPending, Token: api.NewSecret(token), URL: api.NewSecret(url)}
}

// TestPrintJSONKeepsTheURLAsItIs: people copy the URL out of --json; encoding/json would
// write its & as \u0026.
func TestPrintJSONKeepsTheURLAsItIs(t *testing.T) {
	var out bytes.Buffer
	if err := printJSON(&out, newToken("sit_1", "jwt", "https://x/?a=1&b=<2>"), nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"url":"https://x/?a=1&b=<2>"`) {
		t.Fatalf("URL escaped: %s", out.String())
	}
}

// errFull is stdout on a full disk, or a closed pipe.
type errFull struct{}

func (errFull) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

var mintedLine = regexp.MustCompile(`(?m)^signintoken: sign-in token (sit_\w+) WAS (minted|revoked), but printing it failed: no space left on device\.`)

// TestUnwritableOutputSaysWhatWasDone: the token exists whatever happens to stdout, so a
// failed write exits 1 and stderr names the token by its id, and only by its id.
func TestUnwritableOutputSaysWhatWasDone(t *testing.T) {
	for _, args := range [][]string{
		{"create", "--user", "user_1"},
		{"create", "--user", "user_1", "--json"},
		{"revoke", "sit_1"},
		{"revoke", "sit_1", "--json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			env := tokenServer(t, 200, signInToken("2abc"))
			var errOut syncBuffer
			code := run(t.Context(), args, func(k string) string { return env[k] }, errFull{}, &errOut)
			m := mintedLine.FindStringSubmatch(errOut.String())
			if code != exitError || m == nil || m[1] != "sit_2abc" {
				t.Fatalf("exit %d, want 1 and a line naming sit_2abc; stderr:\n%s", code, errOut.String())
			}
			if want := map[string]string{"create": "minted", "revoke": "revoked"}[args[0]]; m[2] != want {
				t.Errorf("stderr says %s, want %s", m[2], want)
			}
			if strings.Contains(errOut.String(), "SECRET") {
				t.Errorf("stderr carries the token or its URL:\n%s", errOut.String())
			}
			if args[0] == "create" && !strings.Contains(errOut.String(), "signintoken revoke sit_2abc") {
				t.Errorf("stderr does not say how to revoke it:\n%s", errOut.String())
			}
		})
	}
}

// TestUnwritableOutputOnTheBuiltInFake: the built-in fake's token dies with the command, so
// there is nothing to revoke; stderr says so.
func TestUnwritableOutputOnTheBuiltInFake(t *testing.T) {
	var errOut syncBuffer
	code := run(t.Context(), []string{"create", "--user", "user_demo"}, func(string) string { return "" }, errFull{}, &errOut)
	if code != exitError || !mintedLine.MatchString(errOut.String()) || !strings.Contains(errOut.String(), "built-in fake only") {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut.String())
	}
}

// TestPrintTextKeepsALongURLWhole: every other string the server chose is cut at
// maxFieldLen, but a cut sign-in link is no link. The URL is printed whole however long, and
// escaped (each escape is at most 4 bytes a byte), even when every byte needs one.
func TestPrintTextKeepsALongURLWhole(t *testing.T) {
	long := "https://accounts.example.com/v1/tickets/accept?ticket=" + strings.Repeat("eyJhbGciOiJSUzI1NiJ9", 100)
	for name, tc := range map[string]struct{ url, want string }{
		"2 KB of plain ASCII":     {long, long},
		"every byte escaped (4x)": {strings.Repeat("\x01", 300), strings.Repeat(`\x01`, 300)},
	} {
		var out bytes.Buffer
		if err := printText(&out, newToken("sit_1", "jwt", tc.url), nil); err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^url: +` + regexp.QuoteMeta(tc.want) + `$`).MatchString(out.String()) {
			t.Errorf("%s: the URL (%d bytes) is not printed whole:\n%s", name, len(tc.url), out.String())
		}
	}
}
