package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseExpiry(t *testing.T) {
	const maxDuration = time.Duration(1<<63 - 1)
	for _, tc := range []struct {
		in   string
		want time.Duration // 0: refused
		says string
	}{
		{"90s", 90 * time.Second, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"30d", 30 * 24 * time.Hour, ""},
		{"+2d", 48 * time.Hour, ""},
		{"106751d", 106751 * 24 * time.Hour, ""}, // the most days a time.Duration holds
		{"106752d", 0, "too long: at most 106751d"},
		{"416999965498d", 0, "too long"}, // wrapped to 17.6h before
		{"99999999999999999999d", 0, "too long"},
		{"2562047h", 2562047 * time.Hour, ""},
		{"2562047h47m16s", maxDuration.Truncate(time.Second), ""},
		{"2562047h47m16.854775807s", 0, "whole number of seconds"}, // the most a time.Duration holds
		{"1500ms", 0, "whole number of seconds"},
		{"500ms", 0, "at least 1s"},
		{"2562047h47m16.854775808s", 0, "too long"},
		{"2562048h", 0, "too long"},
		{"9999999999999999999ns", 0, "too long"},
		{"0d", 0, "at least 1"},
		{"-1d", 0, "at least 1"},
		{"-99999999999999999999d", 0, "whole number of days"},
		{"d", 0, "whole number of days"},
		{"1.5d", 0, "whole number of days"},
		{"0s", 0, "at least 1s"},
		{"-5m", 0, "at least 1s"},
		{"-2562048h", 0, "at least 1s"},
		{"soon", 0, "not a duration"},
		{"h", 0, "not a duration"},
		{"5", 0, "not a duration"},
	} {
		got, err := parseExpiry(tc.in)
		switch {
		case tc.want != 0 && (err != nil || got != tc.want):
			t.Errorf("parseExpiry(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.want == 0 && (err == nil || !strings.Contains(err.Error(), tc.says)):
			t.Errorf("parseExpiry(%q) = %v, %v; want an error saying %q", tc.in, got, err, tc.says)
		}
	}
}

// TestExpiryOverflowIsAUsageError: a number of days too large for a time.Duration used to wrap
// silently into a 17.6 h token, exit 0.
func TestExpiryOverflowIsAUsageError(t *testing.T) {
	for _, expires := range []string{"416999965498d", "106752d", "2562048h"} {
		code, out, errOut := signintoken(t, nil, "create", "--user", "user_demo", "--expires", expires)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "--expires") || !strings.Contains(errOut, "too long") {
			t.Errorf("--expires %s: exit %d, stdout %q, stderr %q; want 2 saying it is too long", expires, code, out, errOut)
		}
	}
	// The longest accepted is minted as asked, to the millisecond.
	code, out, errOut := signintoken(t, nil, "create", "--user", "user_demo", "--expires", "106751d", "--json")
	if code != exitOK {
		t.Fatalf("--expires 106751d: exit %d: %s", code, errOut)
	}
	var tok struct {
		CreatedAt int64 `json:"created_at"`
		ExpiresAt int64 `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(out), &tok); err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(tok.ExpiresAt-tok.CreatedAt) * time.Millisecond; got != 106751*24*time.Hour {
		t.Errorf("expires_at - created_at = %v, want 106751 days", got)
	}
}
