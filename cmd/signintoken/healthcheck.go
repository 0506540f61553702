package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

const healthcheckSynopsis = "healthcheck [ORIGIN] [--timeout 5s]   (ORIGIN default http://127.0.0.1:8080)"

// runHealthcheck asks a running fake whether it serves: GET ORIGIN/__clienttest/health, exit 0
// on 200 {"status":"ok"}, 1 otherwise (one line on stderr says why). It is what a container's
// HEALTHCHECK runs, since a distroless or scratch image has no curl, and what the GitHub
// Action waits on. It sends no key and follows no redirect; --timeout bounds the whole check.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("healthcheck", stderr)
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	positional, err := parse(fs, args)
	if err != nil {
		return flagExit(err, fs, healthcheckSynopsis, stdout, stderr)
	}
	origin := "http://127.0.0.1:8080"
	switch {
	case len(positional) > 1:
		fmt.Fprintf(stderr, "signintoken healthcheck: unexpected argument %q\n", positional[1])
		return exitUsage
	case len(positional) == 1:
		origin = positional[0]
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		fmt.Fprintf(stderr, "signintoken healthcheck: %q is not an origin like http://127.0.0.1:8080\n", origin)
		return exitUsage
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "signintoken healthcheck: --timeout must be positive\n")
		return exitUsage
	}
	u.Path = healthPath

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := checkHealth(ctx, u.String()); err != nil {
		fmt.Fprintf(stderr, "signintoken healthcheck: %s: %v\n", u.Redacted(), err)
		return exitError
	}
	return exitOK
}

// checkHealth is one GET of the health endpoint, on a connection of its own that is closed
// after it (a health check runs every few seconds for hours: it must not pile up connections).
func checkHealth(ctx context.Context, healthURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, healthURL, nil)
	if err != nil {
		return err
	}
	client := &http.Client{
		Transport:     &http.Transport{DisableKeepAlives: true, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d, want 200", res.StatusCode)
	}
	var body struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1024)).Decode(&body); err != nil || body.Status != "ok" {
		return fmt.Errorf(`the body is not {"status":"ok"}`)
	}
	return nil
}
