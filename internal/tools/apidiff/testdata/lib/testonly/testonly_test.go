// A directory of tests only has no Go API.
package testonly

import "testing"

func TestNothing(t *testing.T) {}
