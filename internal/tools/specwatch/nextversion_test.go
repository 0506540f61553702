package main

import "testing"

func TestNextVersion(t *testing.T) {
	for _, tc := range []struct {
		released   string
		c          change
		next, bump string
	}{
		{"v0.1.0", breaking, "v0.2.0", "minor"},
		{"v0.1.3", breaking, "v0.2.0", "minor"},
		{"v0.1.0", additive, "v0.1.1", "patch"},
		{"v0.1.0", noChange, "v0.1.1", "patch"},
		{"v1.2.3", breaking, "v2.0.0", "major"},
		{"v1.2.3", additive, "v1.3.0", "minor"},
		{"v1.2.3", noChange, "v1.2.4", "patch"},
		{"v0.9.0", breaking, "v0.10.0", "minor"},
	} {
		next, bump, err := nextVersion(tc.released, tc.c)
		if err != nil || next != tc.next || bump != tc.bump {
			t.Errorf("nextVersion(%s, %v) = %s, %s, %v; want %s, %s", tc.released, tc.c, next, bump, err, tc.next, tc.bump)
		}
	}
	for _, bad := range []string{"0.1.0", "v0.1", "v01.0.0", "v0.1.0-rc1", ""} {
		if _, _, err := nextVersion(bad, additive); err == nil {
			t.Errorf("nextVersion(%q) accepted it", bad)
		}
	}
}
