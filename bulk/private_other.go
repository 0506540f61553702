//go:build !unix

package bulk

import "io/fs"

// openFlags is 0 where open has no O_NOFOLLOW; openPrivate still refuses a symlink by Lstat.
const openFlags = 0

// ownedByUs cannot tell owners apart here; the mode check still applies.
func ownedByUs(fs.FileInfo) error { return nil }

// othersCanReplace cannot tell owners apart here.
func othersCanReplace(string) error { return nil }
