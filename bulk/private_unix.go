//go:build unix

package bulk

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openFlags make an open fail on a symlink (a state or links file is never reached through
// one: a neighbour could point it at a file of the operator's) and return at once on a named
// pipe, which checkPrivate then refuses (a plain open would wait for a writer for ever).
// O_NONBLOCK changes nothing for a regular file.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// ownedByUs reports whether info is of a file this process's user owns.
func ownedByUs(info fs.FileInfo) error {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Geteuid(); int(st.Uid) != uid {
		return fmt.Errorf("it is owned by uid %d, not by this user (uid %d): another user may have planted it to read what this run writes", st.Uid, uid)
	}
	return nil
}
