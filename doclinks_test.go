package signintokens_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// brokenDocLink is a doc link glued to what follows it, such as [Secret]s or "[Secret]s": go/doc
// does not take it for a link (a link must be preceded and followed by space or punctuation,
// unicode.IsPunct), so pkg.go.dev shows the brackets. The bracket must open a word (after space
// or punctuation, as go/doc asks), so code such as map[Secret]int is not one.
var brokenDocLink = regexp.MustCompile(`(^|[\s\p{P}])\[\*?[A-Za-z_][\w.]*\][^\s\p{P}]`)

// TestDocLinksStandAlone reads the comments of every Go file that pkg.go.dev renders (all but
// tests, and all but the generated gen/) for a doc link with a suffix.
func TestDocLinksStandAlone(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "gen" || path == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, group := range f.Comments {
			for _, c := range group.List {
				text := strings.TrimPrefix(c.Text, "//")
				if strings.HasPrefix(text, "\t") { // a code block in a doc comment: not rendered as text
					continue
				}
				if m := brokenDocLink.FindString(text); m != "" {
					t.Errorf("%s: doc link %q has a suffix, so pkg.go.dev shows it as plain text with brackets; reword (\"[Secret] values\")",
						fset.Position(c.Pos()), strings.TrimSpace(m))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
