package main

import (
	"fmt"
	"regexp"
	"strconv"
)

// change is how much a set of changes asks of the next version.
type change int

const (
	noChange change = iota // nothing in the contract changed
	additive               // something was added, or changed compatibly
	breaking               // a gate says someone's code or requests may break
)

func (c change) String() string {
	return [...]string{"no change", "additive", "breaking"}[c]
}

// semverRule is the rule nextVersion follows, as the pull request body and release-check state it.
const semverRule = "Below v1.0.0 (semver item 4 leaves v0 open; this project's rule): a breaking change " +
	"bumps the minor version (v0.1.0 → v0.2.0), anything else the patch (v0.1.0 → v0.1.1). From v1.0.0: " +
	"breaking → major (with a /vN module path), additive → minor, otherwise patch. A change either gate " +
	"(wire: oasdiff ERR level; Go: apidiff incompatible, acknowledged or not, or a build that fails) calls " +
	"breaking is breaking."

var semverPattern = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)

// nextVersion is the version to release after released given the changes since it, and which
// part it bumps.
func nextVersion(released string, c change) (next, bump string, err error) {
	m := semverPattern.FindStringSubmatch(released)
	if m == nil {
		return "", "", fmt.Errorf("the released version %q is not vMAJOR.MINOR.PATCH", released)
	}
	var n [3]int
	for i := range n {
		if n[i], err = strconv.Atoi(m[i+1]); err != nil {
			return "", "", fmt.Errorf("the released version %q: %w", released, err)
		}
	}
	major, minor, patch := n[0], n[1], n[2]
	switch {
	case major == 0 && c == breaking:
		minor, patch, bump = minor+1, 0, "minor"
	case major == 0:
		patch, bump = patch+1, "patch"
	case c == breaking:
		major, minor, patch, bump = major+1, 0, 0, "major"
	case c == additive:
		minor, patch, bump = minor+1, 0, "minor"
	default:
		patch, bump = patch+1, "patch"
	}
	return fmt.Sprintf("v%d.%d.%d", major, minor, patch), bump, nil
}
