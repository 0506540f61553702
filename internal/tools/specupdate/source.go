package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// maxSpecBytes bounds what spec-update reads: Clerk's largest file (bapi/2026-05-12.yml) is
// 0.7 MB, so 10 MiB leaves room for years of growth and refuses a wrong file (a disk image, a
// log, /dev/zero) before it is held in memory.
const maxSpecBytes = 10 << 20

// defaultSpecsBase is where Clerk publishes its specs; a version name resolves under it.
const defaultSpecsBase = "https://raw.githubusercontent.com/clerk/openapi-specs/main"

// fetchTimeout bounds the whole download of a spec by URL, however slowly a server sends it.
var fetchTimeout = 60 * time.Second

// versionName is a bare Clerk API version, which -from resolves to <base>/bapi/<version>.yml.
var versionName = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// published is one of Clerk's spec files as read: its bytes and where they came from.
type published struct {
	data   []byte
	origin string // the path as given, or the URL without its credentials (shownURL)
	url    bool   // origin is a URL
	sum    string // sha256, hex
}

// resolveFrom turns -from (a path, an http(s) URL or a version name) into a path or a URL.
// A relative path is taken relative to dir (make's directory: go -C runs the tool elsewhere).
func resolveFrom(from, base, dir string) (location string, isURL bool, err error) {
	switch {
	case versionName.MatchString(from):
		u, err := url.Parse(strings.TrimSuffix(base, "/") + "/bapi/" + from + ".yml")
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", false, fmt.Errorf("version %s: CLERK_SPECS_BASE %q is not an http(s) URL", from, base)
		}
		return u.String(), true, nil
	case strings.Contains(from, "://"):
		u, err := url.Parse(from)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", false, fmt.Errorf("%q is not an http(s) URL (give a path, an http(s) URL or a version name such as 2026-05-12)", from)
		}
		return u.String(), true, nil
	default:
		if !filepath.IsAbs(from) && dir != "" {
			from = filepath.Join(dir, from)
		}
		return from, false, nil
	}
}

// readSpec reads a published spec from a path or a URL, refusing one over maxSpecBytes before
// holding it whole.
func readSpec(ctx context.Context, location string, isURL bool, client *http.Client) (*published, error) {
	var data []byte
	var err error
	if isURL {
		data, err = fetch(ctx, location, client)
	} else {
		data, err = readLocal(location)
	}
	if err != nil {
		return nil, err
	}
	origin := location
	if isURL {
		origin = shownURL(location)
	}
	p := &published{data: data, origin: origin, url: isURL}
	p.sum = p.checksum()
	return p, nil
}

func (p *published) checksum() string {
	sum := sha256.Sum256(p.data)
	return hex.EncodeToString(sum[:])
}

var errTooLarge = fmt.Errorf("larger than %d MiB; Clerk's specs are under 1 MB (the wrong file?)", maxSpecBytes>>20)

// readLocal reads a regular file, refusing anything else. O_NONBLOCK lets the open return at
// once on a FIFO (a named pipe planted or mistyped onto), where a plain open waits for a writer
// for ever; it changes nothing for a regular file. A FIFO or device also has no size to check
// before reading, and Clerk's specs are files: a pipe's output can be saved to one first.
func readLocal(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case info.IsDir():
		return nil, fmt.Errorf("%s is a directory; give Clerk's spec file, e.g. bapi/2026-05-12.yml", path)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (a FIFO, a device or a socket); give Clerk's spec file, e.g. bapi/2026-05-12.yml, or its URL", path)
	case info.Size() > maxSpecBytes:
		return nil, fmt.Errorf("%s: %w", path, errTooLarge)
	}
	return readBounded(f, path) // bounded still: the file may grow after the Stat
}

// shownURL is u as printed and recorded in spec/clerk/SOURCE: without user info or query,
// either of which may hold a credential (a private fork's raw link carries ?token=…).
func shownURL(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "(a URL that does not parse)"
	}
	parsed.User = nil
	if parsed.RawQuery != "" || parsed.ForceQuery {
		parsed.RawQuery, parsed.ForceQuery = "", false
		return parsed.String() + "?…"
	}
	return parsed.String()
}

func fetch(ctx context.Context, location string, client *http.Client) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		return nil, err
	}
	u := shownURL(location)
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error // it quotes the URL, query and all (of a redirect, too)
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("fetch %s: %w", u, gaveUp(ctx, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		hint := ""
		if resp.StatusCode == http.StatusNotFound {
			hint = " (no such version published? see the bapi/ folder of github.com/clerk/openapi-specs)"
		}
		return nil, fmt.Errorf("fetch %s: %s%s", u, resp.Status, hint)
	}
	if mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mediaType == "text/html" {
		return nil, fmt.Errorf("fetch %s: an HTML page, not a spec file (GitHub's page about the file, /blob/?); give the raw file's URL, https://raw.githubusercontent.com/clerk/openapi-specs/<commit>/bapi/<version>.yml, or a version name such as 2026-05-12", u)
	}
	if resp.ContentLength > maxSpecBytes {
		return nil, fmt.Errorf("%s: %w", u, errTooLarge)
	}
	data, err := readBounded(resp.Body, u)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, gaveUp(ctx, err))
	}
	return data, nil
}

// gaveUp says that the download took longer than fetchTimeout, when it did, rather than
// "context deadline exceeded".
func gaveUp(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("gave up after %v without the whole file (a slow or stalled server): %w", fetchTimeout, err)
	}
	return err
}

func readBounded(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSpecBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSpecBytes {
		return nil, fmt.Errorf("%s: %w", name, errTooLarge)
	}
	return data, nil
}

// versionOf is the Clerk API version of a spec read from location: the date in its file name
// (bapi/2026-05-12.yml), else its info.version when that is a date.
func versionOf(location string, data []byte) string {
	name := location
	if u, err := url.Parse(location); err == nil && u.Scheme != "" {
		name = u.Path
	}
	if v := datePattern.FindString(filepath.Base(name)); v != "" {
		return v
	}
	doc, err := parseBounded(data)
	if err != nil {
		return "" // update refuses the file, saying why
	}
	if v := mapGet(doc, "info"); v != nil {
		if v := mapGet(v, "version"); v != nil && versionName.MatchString(v.Value) {
			return v.Value
		}
	}
	return ""
}
