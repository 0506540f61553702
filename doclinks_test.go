package signintokens_test

import (
	"go/ast"
	"go/doc"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
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

// unresolvedLink is what go/doc leaves as plain text of a doc link it could not resolve: a
// bracketed identifier ([Client.Craete], [config], [api.Nope]). All-capital words such as
// [REDACTED] are text on purpose.
var unresolvedLink = regexp.MustCompile(`\[\*?[A-Za-z_][\w.]*\]`)

// TestDocLinksResolve renders the documentation of every package of this module as pkg.go.dev does (go/doc
// and go/doc/comment, the package's own symbols and imports) and fails on a doc link left as
// plain text with its brackets: a suffix (TestDocLinksStandAlone says how to reword), a typo, a
// renamed or unexported identifier, a package not imported.
func TestDocLinksResolve(t *testing.T) {
	err := filepath.WalkDir(".", func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if dir != "." && (dir == "gen" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && dir != "." {
			return filepath.SkipDir // another module (a tool, bench, an example): not this module's documentation
		}
		fset := token.NewFileSet()
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			return err
		}
		var parsed []*ast.File
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			parsed = append(parsed, f)
		}
		if len(parsed) == 0 {
			return nil
		}
		pkg, err := doc.NewFromFiles(fset, parsed, "github.com/clerkgen/signintokens/"+dir)
		if err != nil {
			return err
		}
		texts := map[string]string{dir: pkg.Doc}
		addFuncs := func(prefix string, fs []*doc.Func) {
			for _, f := range fs {
				texts[prefix+f.Name] = f.Doc
			}
		}
		addValues := func(vs []*doc.Value) {
			for _, v := range vs {
				texts[dir+"."+strings.Join(v.Names, ",")] = v.Doc
			}
		}
		addFuncs(dir+".", pkg.Funcs)
		addValues(pkg.Consts)
		addValues(pkg.Vars)
		for _, ty := range pkg.Types {
			texts[dir+"."+ty.Name] = ty.Doc
			addFuncs(dir+"."+ty.Name+".", ty.Methods)
			addFuncs(dir+".", ty.Funcs)
			addValues(ty.Consts)
			addValues(ty.Vars)
		}
		docParser := pkg.Parser()
		for where, text := range texts {
			for _, plain := range plainTexts(docParser.Parse(text).Content) {
				for _, m := range unresolvedLink.FindAllString(plain, -1) {
					if word := strings.Trim(m, "[]*"); word != strings.ToUpper(word) {
						t.Errorf("%s: %s is shown with its brackets on pkg.go.dev: no such identifier, or a suffix glued to it", where, m)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// plainTexts collects the plain text of blocks, in paragraphs, lists and headings (code blocks
// are not links).
func plainTexts(blocks []comment.Block) []string {
	var out []string
	var texts func([]comment.Text)
	texts = func(ts []comment.Text) {
		for _, t := range ts {
			switch t := t.(type) {
			case comment.Plain:
				out = append(out, string(t))
			case comment.Italic:
				out = append(out, string(t))
			case *comment.Link:
				texts(t.Text)
			}
		}
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case *comment.Paragraph:
			texts(b.Text)
		case *comment.Heading:
			texts(b.Text)
		case *comment.List:
			for _, item := range b.Items {
				out = append(out, plainTexts(item.Content)...)
			}
		}
	}
	return out
}
