package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// maxListedViolations bounds the violations the summary lists; all are counted. A client that
// breaks the contract on every request must not grow the fake without bound.
const maxListedViolations = 100

// violationLog counts the contract violations the fake reports (since it started, or since
// the last reset through the control API) and keeps the first few.
type violationLog struct {
	mu     sync.Mutex
	count  int
	listed []string
}

func (v *violationLog) add(msg string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.count++
	if len(v.listed) < maxListedViolations {
		v.listed = append(v.listed, msg)
	}
}

// reset forgets the violations, as the fake's control API reset does.
func (v *violationLog) reset() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.count, v.listed = 0, nil
}

func (v *violationLog) summary(requests int64) fakeSummary {
	v.mu.Lock()
	defer v.mu.Unlock()
	listed := make([]listedViolation, len(v.listed))
	for i, msg := range v.listed {
		listed[i] = listedViolation{Message: msg}
	}
	return fakeSummary{Requests: requests, Total: v.count, Violations: listed}
}

// requestCounter counts the requests served.
type requestCounter struct{ n atomic.Int64 }

func (c *requestCounter) add()        { c.n.Add(1) }
func (c *requestCounter) load() int64 { return c.n.Load() }

// fakeSummary is what fake reports at exit, on stderr and (--summary-json) as JSON shaped as
// the control API's GET /__clienttest/violations, plus the requests served. Each violation
// says where and what was wrong, never a value sent (no key, token or body).
type fakeSummary struct {
	Requests   int64             `json:"requests"`   // every request served, control API included
	Total      int               `json:"total"`      // violations since the start or the last reset
	Violations []listedViolation `json:"violations"` // the first maxListedViolations of them, in order
}

type listedViolation struct {
	Message string `json:"message"`
}

func (s fakeSummary) writeText(w io.Writer) {
	fmt.Fprintf(w, "signintoken fake: %s, %s\n", count(s.Requests, "request"), count(int64(s.Total), "contract violation"))
	for _, v := range s.Violations {
		fmt.Fprintf(w, "  - %s\n", terminalText(v.Message, maxLineLen)) // it names a path a client chose
	}
	if more := s.Total - len(s.Violations); more > 0 {
		fmt.Fprintf(w, "  … and %d more\n", more)
	}
}

// writeJSONFile writes the summary to path whole or not at all (a temporary file renamed),
// so a CI step that finds the file can trust it.
func (s fakeSummary) writeJSONFile(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".summary-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// count says "1 request", "3 requests".
func count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
