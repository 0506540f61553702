//go:build !unix

package bulk

import "os"

// lockFile does nothing here: on systems without flock, keep to one run per journal.
func lockFile(*os.File) error { return nil }
