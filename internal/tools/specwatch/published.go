package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
)

// maxListing bounds the listing of Clerk's versions, a few kilobytes today. (A version's file is
// read, and bounded, by spec-update.)
const maxListing = 1 << 20

// versionPattern is a Clerk API version: a date. Anything else in the listing is not a version,
// and a version is put in a URL and a file name only once it matches.
var versionPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// listVersions reads Clerk's published versions from a listing in the form of GitHub's contents
// API (https://api.github.com/repos/clerk/openapi-specs/contents/bapi): a JSON array of entries
// with a name and a type; each file named <version>.yml is a version. Sorted, oldest first.
func listVersions(ctx context.Context, hc *http.Client, listing string) ([]string, error) {
	body, err := get(ctx, hc, listing, maxListing, "application/vnd.github+json")
	if err != nil {
		return nil, err
	}
	var entries []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &entries); err != nil {
		return nil, fmt.Errorf("the listing at %s is not a GitHub contents listing (a JSON array of files): %w", listing, err)
	}
	var versions []string
	for _, e := range entries {
		v, ok := strings.CutSuffix(e.Name, ".yml")
		if ok && (e.Type == "file" || e.Type == "") && versionPattern.MatchString(v) {
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		return nil, fmt.Errorf("the listing at %s names no published version (no <YYYY-MM-DD>.yml file)", listing)
	}
	sort.Strings(versions) // dates in ISO form sort as text
	return versions, nil
}

// get reads a URL's body, refusing anything but a 200 and a body over limit bytes.
func get(ctx context.Context, hc *http.Client, u string, limit int64, accept string) ([]byte, error) {
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "https" && parsed.Scheme != "http") || parsed.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	// GitHub's API allows 60 unauthenticated requests an hour per address, which runners share;
	// the workflow's token lifts that. It is sent to GitHub's API only.
	if token := os.Getenv("GITHUB_TOKEN"); token != "" && parsed.Scheme == "https" && parsed.Host == "api.github.com" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("GET %s: larger than %d bytes; refused", u, limit)
	}
	return body, nil
}

var errNoSuchVersion = errors.New("no such published version")
