package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// maxTestAlloc is the memory a refusal may cost: the bound (256 MiB), counted as every
// byte allocated, freed or not (an upper bound on the peak).
const maxTestAlloc = 256 << 20

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// refuses runs the tool on from (with the rest of make spec-update's flags) and checks that it
// exits 1 or 2 with every want in its error, writes nothing, and stays within maxTestAlloc.
func refuses(t *testing.T, from string, want ...string) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "openapi.yaml")
	var code int
	var stderr string
	n := allocated(func() {
		code, _, stderr = runTool(t, "-from", from, "-overlay", overlayFile, "-out", out, "-record", filepath.Join(dir, "clerk"), "-api-version", "2026-05-12")
	})
	if code != 1 && code != 2 {
		t.Errorf("exit status %d, want 1 or 2 (refused)", code)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("the error does not say %q:\n%s", w, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("openapi.yaml was written")
	}
	if _, err := os.Stat(filepath.Join(dir, "clerk")); err == nil {
		t.Error("the file was recorded")
	}
	if n > maxTestAlloc {
		t.Errorf("refusing it allocated %d MiB, over %d MiB", n>>20, maxTestAlloc>>20)
	}
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	writeFile(t, path, data)
	return path
}

// An alias bomb: nine levels, each naming the one before nine times, expand to 9^9 nodes from a
// few hundred bytes. Here it hangs on our own operation, so writing openapi.yaml would expand it.
func TestRefusesAnAliasBomb(t *testing.T) {
	extract := string(readFile(t, "testdata/bapi-2026-05-12.yml"))
	const create = "      operationId: CreateSignInToken\n"
	if strings.Count(extract, create) != 1 {
		t.Fatal("the extract's CreateSignInToken is not where the test expects it")
	}
	var b strings.Builder
	b.WriteString("x-lol:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for c := 'b'; c <= 'i'; c++ {
		fmt.Fprintf(&b, "  %c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c, c-1, c-1, c-1, c-1, c-1, c-1, c-1, c-1, c-1)
	}
	bomb := strings.Replace(extract, "openapi: 3.0.3\n", "openapi: 3.0.3\n"+b.String(), 1)
	bomb = strings.Replace(bomb, create, create+"      x-lol: *i\n", 1)
	refuses(t, writeTemp(t, "bomb.yml", []byte(bomb)), "aliases expand to more than", "alias bomb")
}

// An alias inside the node it names: walking it recursed until the stack overflowed.
func TestRefusesASelfReferencingAlias(t *testing.T) {
	for name, doc := range map[string]string{
		"sequence": "openapi: 3.0.3\ninfo: {title: self, version: '1'}\npaths: {}\nx-self: &self [*self]\n",
		"mapping":  "openapi: 3.0.3\ninfo: {title: self, version: '1'}\npaths: &paths\n  /a: *paths\n",
		"deeper":   "openapi: 3.0.3\ninfo: {title: self, version: '1'}\npaths: {}\nx-a: &a\n  b:\n    c: [1, {d: *a}]\n",
	} {
		t.Run(name, func(t *testing.T) {
			refuses(t, writeTemp(t, "self.yml", []byte(doc)), "alias recursion")
		})
	}
}

// A 100 MB file (sparse: generated here, never committed) is refused by its size, unread; the
// same bytes from a server, with or without a Content-Length, are refused at 10 MiB.
func TestRefusesA100MBFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "2026-05-12.yml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	refuses(t, path, "larger than 10 MiB")

	chunk := bytes.Repeat([]byte("# padding\n"), 1<<16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("length") {
			w.Header().Set("Content-Length", fmt.Sprint(100<<20))
		}
		for sent := 0; sent < 100<<20; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return // the tool stopped reading
			}
		}
	}))
	defer srv.Close()
	refuses(t, srv.URL+"/bapi/2026-05-12.yml", "larger than 10 MiB")
	refuses(t, srv.URL+"/bapi/2026-05-12.yml?length", "larger than 10 MiB")
}

// Under 10 MiB, a file can still be millions of YAML nodes (about 1 GB for the parser): refused
// before parsing.
func TestRefusesADenseFile(t *testing.T) {
	dense := append([]byte("openapi: 3.0.3\nx-dense: ["), bytes.Repeat([]byte("0,"), 4<<20)...)
	dense = append(dense, "0]\n"...)
	refuses(t, writeTemp(t, "2026-05-12.yml", dense), "YAML nodes, more than")
}

// A $ref to another file or a URL, in what our operations reach, is refused by name; nothing
// is read or fetched.
func TestRefusesAnExternalRef(t *testing.T) {
	fetched := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fetched = true }))
	defer srv.Close()
	extract := string(readFile(t, "testdata/bapi-2026-05-12.yml"))
	const userID = "                user_id:\n                  type: string\n"
	if strings.Count(extract, userID) != 1 {
		t.Fatal("the extract's user_id is not where the test expects it")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "secret.yml"), []byte("Secret:\n  type: string\n"))
	for name, ref := range map[string]string{
		"file":          filepath.Join(dir, "secret.yml") + "#/Secret",
		"relative file": "secret.yml#/Secret",
		"url":           srv.URL + "/x.yml#/components/schemas/X",
	} {
		t.Run(name, func(t *testing.T) {
			spec := strings.Replace(extract, userID, "                user_id:\n                  $ref: '"+ref+"'\n", 1)
			path := filepath.Join(dir, "2026-05-12.yml")
			writeFile(t, path, []byte(spec))
			refuses(t, path, "external $ref", ref)
		})
	}
	if fetched {
		t.Error("the tool fetched the URL a $ref names")
	}
}
