package main

import (
	"fmt"
	"io"
	"runtime/debug"

	signintokens "github.com/clerkgen/signintokens"
	"github.com/clerkgen/signintokens/api"
)

const modulePath = "github.com/clerkgen/signintokens"

// version is the release this binary was built as, stamped by the release build
// (.goreleaser.yaml: -ldflags "-X main.version=v1.2.3"), so the archive of a tag says the tag.
// Empty in any other build, which reports what the go command recorded (moduleVersion).
var version string

// runVersion prints the version of this build and the Clerk API version it speaks.
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "signintoken version: unexpected argument %q\n", args[0])
		return exitUsage
	}
	v := version
	if v == "" {
		v = moduleVersion(debug.ReadBuildInfo())
	}
	if _, err := fmt.Fprintf(stdout, "signintoken %s (Clerk API %s)\n", v, signintokens.APIVersion); err != nil {
		return exitError
	}
	return exitOK
}

// moduleVersion is the version of this module the binary was built from, as the go command
// recorded it: the release for `go install …/cmd/signintoken@v0.1.0` (as the main module or a
// dependency), a pseudo-version for a build from a git checkout. When it recorded none (go run,
// tests, a build outside version control, a replace by a directory), the library's own
// api.Version stands in.
func moduleVersion(info *debug.BuildInfo, ok bool) string {
	fallback := "v" + api.Version
	if !ok {
		return fallback
	}
	m := &info.Main
	if m.Path != modulePath {
		m = nil
		for _, dep := range info.Deps {
			if dep.Path == modulePath {
				m = dep
				if dep.Replace != nil {
					m = dep.Replace // by a directory: no version
				}
			}
		}
	}
	if m == nil || m.Version == "" || m.Version == "(devel)" {
		return fallback
	}
	return m.Version
}
