package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	signintokens "github.com/clerkgen/signintokens"
)

const modulePath = "github.com/clerkgen/signintokens"

// version is the release this binary is, stamped by the release build with the linker:
//
//	go build -ldflags "-X main.version=v0.2.0" ./cmd/signintoken
//
// GoReleaser's default, -X main.version={{.Version}}, passes the tag without its v; both forms
// are taken. Empty in every other build, which reports what the go command recorded instead.
var version string

// runVersion prints the version of this build and the Clerk API version it speaks.
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "signintoken version: unexpected argument %q\n", args[0])
		return exitUsage
	}
	info, ok := debug.ReadBuildInfo()
	if _, err := fmt.Fprintf(stdout, "signintoken %s (Clerk API %s)\n", buildVersion(version, info, ok), signintokens.APIVersion); err != nil {
		return exitError
	}
	return exitOK
}

// develVersion is what a build that is no release says: go run, go test, go build without
// version control stamping. It claims no release, as the go command's own "(devel)" does.
const develVersion = "(devel)"

// buildVersion is the one answer to "which version is this binary": the release the linker
// stamped (stamped, from -X main.version), else the version of this module the go command
// recorded (the release for `go install …/cmd/signintoken@v0.2.0`, as the main module or a
// dependency; a pseudo-version for a go build stamped from a git checkout), else develVersion.
// It never falls back to the library's api.Version, which names the last release and not
// the code in hand.
func buildVersion(stamped string, info *debug.BuildInfo, ok bool) string {
	if stamped != "" {
		return "v" + strings.TrimPrefix(stamped, "v")
	}
	if !ok {
		return develVersion
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
	if m == nil || m.Version == "" || m.Version == develVersion {
		return develVersion
	}
	return m.Version
}
