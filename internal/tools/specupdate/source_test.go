package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// publishedTree serves files as Clerk's published specs are laid out (bapi/<version>.yml), over
// loopback, and counts the requests.
func publishedTree(t *testing.T, files map[string][]byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// repoCopy copies openapi.yaml and spec/clerk to a temporary directory, as make spec-update's
// -out and -record, and returns their paths.
func repoCopy(t *testing.T) (out, record string) {
	t.Helper()
	dir := t.TempDir()
	out = filepath.Join(dir, "openapi.yaml")
	writeFile(t, out, readFile(t, repoRoot+"/openapi.yaml"))
	record = filepath.Join(dir, "clerk")
	if err := os.Mkdir(record, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(clerkDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		writeFile(t, filepath.Join(record, e.Name()), readFile(t, filepath.Join(clerkDir, e.Name())))
	}
	return out, record
}

// FROM=2026-05-12 reads $CLERK_SPECS_BASE/bapi/2026-05-12.yml, says what it read (URL, size,
// sha256), and, Clerk's published file being the one openapi.yaml was made from, changes nothing:
// not openapi.yaml, not spec/clerk (whose SOURCE keeps the commit it names).
func TestFromAVersionNameChangesNothing(t *testing.T) {
	full := readFile(t, clerkFile(t))
	srv := publishedTree(t, map[string][]byte{"/bapi/2026-05-12.yml": full})
	t.Setenv("CLERK_SPECS_BASE", srv.URL)
	out, record := repoCopy(t)
	source := readFile(t, filepath.Join(record, "SOURCE"))

	code, stdout, stderr := runTool(t, "-from", "2026-05-12", "-overlay", overlayFile, "-out", out, "-record", record)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	rec, _ := readSource(filepath.Join(clerkDir, "SOURCE"))
	for _, want := range []string{"read " + srv.URL + "/bapi/2026-05-12.yml: 738295 bytes, sha256 " + rec["sha256"], "openapi.yaml is unchanged"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not say %q:\n%s", want, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("notes on an unchanged file: %s", stderr)
	}
	if string(readFile(t, filepath.Join(record, "SOURCE"))) != string(source) {
		t.Error("SOURCE was rewritten although the file is the same")
	}
}

// A URL to another version: openapi.yaml changes only its info.version; the file is kept in
// spec/clerk under its version's name, the previous one goes, and SOURCE names the repository,
// commit and path of a raw.githubusercontent.com-shaped URL, with the sha256.
func TestFromAURLRecordsTheFile(t *testing.T) {
	extract := readFile(t, "testdata/bapi-2025-11-10.yml")
	srv := publishedTree(t, map[string][]byte{"/clerk/openapi-specs/0123abc/bapi/2025-11-10.yml": extract})
	out, record := repoCopy(t)
	code, stdout, stderr := runTool(t, "-from", srv.URL+"/clerk/openapi-specs/0123abc/bapi/2025-11-10.yml", "-overlay", overlayFile, "-out", out, "-record", record)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, `set APIVersion in spec.go to "2025-11-10"`) {
		t.Errorf("no reminder to set APIVersion: %s", stderr)
	}
	if !strings.Contains(stdout, "kept the published file as "+filepath.Join(record, "2025-11-10.yml")) {
		t.Errorf("stdout does not say where the file was kept:\n%s", stdout)
	}
	if string(readFile(t, filepath.Join(record, "2025-11-10.yml"))) != string(extract) {
		t.Error("the kept file is not the bytes read")
	}
	if _, err := os.Stat(filepath.Join(record, "2026-05-12.yml")); !os.IsNotExist(err) {
		t.Error("the previous published file is still there")
	}
	rec, err := readSource(filepath.Join(record, "SOURCE"))
	if err != nil {
		t.Fatal(err)
	}
	want := (&published{data: extract}).checksum()
	if rec["sha256"] != want || rec["file"] != "2025-11-10.yml" || rec["url"] == "" || rec["license"] == "" {
		t.Errorf("SOURCE = %v, want file 2025-11-10.yml, its url, sha256 %s and the licence", rec, want)
	}
	// Not raw.githubusercontent.com, so no repository is claimed.
	if rec["repository"] != "" {
		t.Errorf("SOURCE claims repository %q for a loopback URL", rec["repository"])
	}
	if !strings.Contains(sourceText(&published{data: extract, origin: "https://raw.githubusercontent.com/clerk/openapi-specs/7987d1b/bapi/2025-11-10.yml", url: true, sum: want}, "2025-11-10.yml"),
		"repository: https://github.com/clerk/openapi-specs\ncommit: 7987d1b\npath: bapi/2025-11-10.yml\n") {
		t.Error("a raw.githubusercontent.com URL does not give the repository, commit and path")
	}
}

// A relative path is read relative to -dir (make's directory), and the version comes from its name.
func TestFromARelativePath(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bapi-2025-11-10.yml"), readFile(t, "testdata/bapi-2025-11-10.yml"))
	out, record := repoCopy(t)
	code, stdout, stderr := runTool(t, "-from", "bapi-2025-11-10.yml", "-dir", dir, "-overlay", overlayFile, "-out", out, "-record", record)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "read "+filepath.Join(dir, "bapi-2025-11-10.yml")+": ") {
		t.Errorf("stdout does not name the file read:\n%s", stdout)
	}
	if !strings.Contains(string(readFile(t, out)), `version: "2025-11-10"`) {
		t.Error("openapi.yaml does not have the version from the file name")
	}
}

// What cannot be read is refused clearly, and nothing is written: a version Clerk has not
// published, a scheme other than http(s), a base that is not a URL, a missing file.
func TestFromRefusesWhatItCannotRead(t *testing.T) {
	srv := publishedTree(t, nil)
	for name, tc := range map[string]struct {
		args []string
		code int
		want string
	}{
		"unpublished version": {[]string{"-from", "2031-01-01", "-specs-base", srv.URL}, 1, "404 Not Found (no such version published?"},
		"ftp":                 {[]string{"-from", "ftp://example.com/bapi/2026-05-12.yml"}, 2, "is not an http(s) URL"},
		"base not a URL":      {[]string{"-from", "2026-05-12", "-specs-base", "/tmp/specs"}, 2, "CLERK_SPECS_BASE"},
		"missing file":        {[]string{"-from", filepath.Join(t.TempDir(), "2026-05-12.yml")}, 1, "no such file"},
		"directory":           {[]string{"-from", t.TempDir()}, 1, "is a directory"},
	} {
		t.Run(name, func(t *testing.T) {
			out, record := repoCopy(t)
			before := readFile(t, out)
			code, _, stderr := runTool(t, append(tc.args, "-overlay", overlayFile, "-out", out, "-record", record)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit status %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
			if string(readFile(t, out)) != string(before) {
				t.Error("openapi.yaml was written")
			}
		})
	}
}

// API_VERSION is a Clerk API version (YYYY-MM-DD), nothing else: it names the file kept in
// spec/clerk and openapi.yaml's info.version. A mistyped one ("v2026-05-12", "latest", a path)
// is refused before anything is read or written; "../x" once wrote the spec outside spec/clerk
// and deleted the committed one.
func TestAPIVersionMustBeADate(t *testing.T) {
	for _, version := range []string{"../../escaped", "latest", "v2026-05-12", "2026-5-12", "2026-05-12 ", "2026-05-12\n"} {
		out, record := repoCopy(t)
		before := readFile(t, out)
		code, _, stderr := runTool(t, "-from", "testdata/bapi-2025-11-10.yml", "-overlay", overlayFile, "-out", out, "-record", record, "-api-version", version)
		if code != 2 || !strings.Contains(stderr, "YYYY-MM-DD") {
			t.Errorf("-api-version %q: exit status %d, stderr %q; want 2, naming the form YYYY-MM-DD", version, code, stderr)
		}
		if string(readFile(t, out)) != string(before) {
			t.Errorf("-api-version %q: openapi.yaml was written", version)
		}
		entries, _ := os.ReadDir(filepath.Dir(record))
		for _, e := range entries {
			if e.Name() != "openapi.yaml" && e.Name() != "clerk" {
				t.Errorf("-api-version %q: %s was written beside spec/clerk", version, e.Name())
			}
		}
		if _, err := os.Stat(filepath.Join(record, "2026-05-12.yml")); err != nil {
			t.Errorf("-api-version %q: the committed published file is gone: %v", version, err)
		}
	}
}

// A URL can carry a credential: a private fork's "Raw" link has ?token=…, and user:password@
// is basic auth. The tool sends it, but never prints it or records it in spec/clerk/SOURCE (a
// committed file), not even in an error.
func TestAURLCredentialIsNeitherPrintedNorRecorded(t *testing.T) {
	const secret = "ghsat0123secret"
	extract := readFile(t, "testdata/bapi-2025-11-10.yml")
	var gotQuery, gotPassword string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.Query().Get("token")
		_, gotPassword, _ = r.BasicAuth()
		if r.URL.Path != "/bapi/2025-11-10.yml" {
			http.NotFound(w, r)
			return
		}
		w.Write(extract)
	}))
	defer srv.Close()
	withCredential := strings.Replace(srv.URL, "http://", "http://x-access-token:"+secret+"@", 1)
	for name, from := range map[string]string{
		"query":     srv.URL + "/bapi/2025-11-10.yml?token=" + secret,
		"user info": withCredential + "/bapi/2025-11-10.yml",
		"a 404":     withCredential + "/bapi/2031-01-01.yml?token=" + secret,
	} {
		t.Run(name, func(t *testing.T) {
			gotQuery, gotPassword = "", ""
			out, record := repoCopy(t)
			_, stdout, stderr := runTool(t, "-from", from, "-overlay", overlayFile, "-out", out, "-record", record)
			if gotQuery != secret && gotPassword != secret {
				t.Fatal("the credential was not sent")
			}
			if strings.Contains(stdout+stderr, secret) {
				t.Errorf("the output shows the credential:\n%s%s", stdout, stderr)
			}
			if strings.Contains(string(readFile(t, filepath.Join(record, "SOURCE"))), secret) {
				t.Error("spec/clerk/SOURCE records the credential")
			}
		})
	}
}

// The URL in the browser's address bar (github.com/clerk/openapi-specs/blob/main/bapi/…) is
// GitHub's HTML page about the file, not the file: the error says so and points at the raw URL
// or a version name, rather than quoting a YAML parser's complaint about HTML.
func TestFromAnHTMLPageSaysSo(t *testing.T) {
	page := []byte("<!DOCTYPE html>\n<html lang=\"en\">\n<head><style>a:hover{color:red}</style></head>\n<body>openapi: 3.0.3</body>\n</html>\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	out, record := repoCopy(t)
	code, _, stderr := runTool(t, "-from", srv.URL+"/clerk/openapi-specs/blob/main/bapi/2026-05-12.yml", "-overlay", overlayFile, "-out", out, "-record", record)
	if code != 1 || !strings.Contains(stderr, "HTML page") || !strings.Contains(stderr, "raw.githubusercontent.com") {
		t.Errorf("exit status %d, stderr %q; want 1, saying it is an HTML page and where the raw file is", code, stderr)
	}
}

// GitHub's "Raw" button links to raw.githubusercontent.com/<owner>/<repo>/refs/heads/<branch>/<path>
// (or refs/tags/<tag>/…); SOURCE names the branch or tag and the file's path in the repository,
// not "refs" and "heads/main/bapi/…".
func TestSourceOfARawURLWithRefs(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://raw.githubusercontent.com/clerk/openapi-specs/refs/heads/main/bapi/2026-05-12.yml", "commit: main\npath: bapi/2026-05-12.yml\n"},
		{"https://raw.githubusercontent.com/clerk/openapi-specs/refs/tags/v1/bapi/2026-05-12.yml", "commit: v1\npath: bapi/2026-05-12.yml\n"},
		{"https://raw.githubusercontent.com/clerk/openapi-specs/7987d1b/bapi/2026-05-12.yml", "commit: 7987d1b\npath: bapi/2026-05-12.yml\n"},
	} {
		got := sourceText(&published{data: []byte("openapi: 3.0.3\n"), origin: tc.url, url: true, sum: "x"}, "2026-05-12.yml")
		if !strings.Contains(got, "repository: https://github.com/clerk/openapi-specs\n"+tc.want) {
			t.Errorf("%s: SOURCE is\n%s\nwant repository, then\n%s", tc.url, got, tc.want)
		}
	}
}

// A server that sends its headers and then a byte now and then (or nothing) is given up on after
// fetchTimeout, saying so; nothing is written. (The bound is shortened here; it is 60 s.)
func TestASlowServerIsGivenUpOn(t *testing.T) {
	defer func(d time.Duration) { fetchTimeout = d }(fetchTimeout)
	fetchTimeout = 300 * time.Millisecond
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("openapi: 3.0.3\n"))
		w.(http.Flusher).Flush()
		select { // a byte every 100 ms would never end: this one sends nothing more
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	done := make(chan struct{})
	var code int
	var stderr string
	out, record := repoCopy(t)
	go func() {
		defer close(done)
		code, _, stderr = runTool(t, "-from", srv.URL+"/bapi/2026-05-12.yml", "-overlay", overlayFile, "-out", out, "-record", record)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		release <- struct{}{}
		<-done
		t.Fatal("spec-update waited on a server that sent nothing more, past its bound")
	}
	if code != 1 || !strings.Contains(stderr, "gave up after 300ms") {
		t.Errorf("exit status %d, stderr %q; want 1, saying it gave up after 300ms", code, stderr)
	}
}
