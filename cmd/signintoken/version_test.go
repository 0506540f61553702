package main

import (
	"runtime/debug"
	"strings"
	"testing"

	signintokens "github.com/clerkgen/signintokens"
)

func TestBuildVersion(t *testing.T) {
	fallback := develVersion
	main := func(v string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: v}}
	}
	asDep := func(dep debug.Module) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "example.com/tools", Version: "v9.9.9"}, Deps: []*debug.Module{
			{Path: "github.com/getkin/kin-openapi", Version: "v0.153.0"}, &dep,
		}}
	}
	for name, tc := range map[string]struct {
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		"no build info":             {nil, false, fallback},
		"go install …@v0.2.0":       {main("v0.2.0"), true, "v0.2.0"},
		"build from a git checkout": {main("v0.1.1-0.20261126120000-85bc8c3abcde+dirty"), true, "v0.1.1-0.20261126120000-85bc8c3abcde+dirty"},
		"go run, tests":             {main("(devel)"), true, fallback},
		"no version recorded":       {main(""), true, fallback},
		"a dependency":              {asDep(debug.Module{Path: modulePath, Version: "v0.3.0"}), true, "v0.3.0"},
		"replaced by a directory":   {asDep(debug.Module{Path: modulePath, Version: "v0.3.0", Replace: &debug.Module{Path: "../signintokens"}}), true, fallback},
		"replaced by a version":     {asDep(debug.Module{Path: modulePath, Version: "v0.3.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v0.3.1"}}), true, "v0.3.1"},
		"not in the build info":     {&debug.BuildInfo{Main: debug.Module{Path: "example.com/tools", Version: "v9.9.9"}}, true, fallback},
	} {
		if got := buildVersion("", tc.info, tc.ok); got != tc.want {
			t.Errorf("%s: buildVersion = %q, want %q", name, got, tc.want)
		}
	}
	// A release build's stamp wins over whatever the go command recorded, with or without its v.
	for _, stamped := range []string{"v0.4.0", "0.4.0"} {
		for _, info := range []*debug.BuildInfo{nil, main("(devel)"), main("v0.3.1-0.20261126120000-85bc8c3abcde")} {
			if got := buildVersion(stamped, info, info != nil); got != "v0.4.0" {
				t.Errorf("stamped %q, build info %v: buildVersion = %q, want v0.4.0", stamped, info, got)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version"} {
		code, out, errOut := signintoken(t, nil, arg)
		want := "signintoken (devel) (Clerk API " + signintokens.APIVersion + ")\n"
		if code != exitOK || out != want || errOut != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 0 and %q", arg, code, out, errOut, want)
		}
	}
	if code, _, errOut := signintoken(t, nil, "version", "now"); code != exitUsage || !strings.Contains(errOut, `unexpected argument "now"`) {
		t.Errorf("version now: exit %d, stderr %q; want 2", code, errOut)
	}
}

// TestStampedVersion: a release build's -X main.version is what version prints, whatever the
// go command recorded (a snapshot build from a dirty checkout records a pseudo-version).
func TestStampedVersion(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = "v9.8.7-SNAPSHOT-abc1234"
	code, out, _ := signintoken(t, nil, "version")
	if want := "signintoken v9.8.7-SNAPSHOT-abc1234 (Clerk API " + signintokens.APIVersion + ")\n"; code != exitOK || out != want {
		t.Errorf("version: exit %d, stdout %q; want 0 and %q", code, out, want)
	}
}
