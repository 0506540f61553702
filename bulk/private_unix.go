//go:build unix

package bulk

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// othersCanReplace reports why a user other than this one (or root) could delete or rename
// entries of dir, the directory of a state file, or of a directory on the way to it: a
// directory they own, or one group or others can write without the sticky bit (a group that
// is this user's own primary group excepted: per-user groups are common, and 0775 with them).
// Such a user could remove the state between two runs, and the next run, finding none, would
// mint again for everyone the lost state knew.
func othersCanReplace(dir string) error {
	uid, gid := os.Geteuid(), os.Getegid()
	for {
		info, err := os.Stat(dir)
		if err != nil {
			return nil // opening the file will say what is wrong
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		perm, sticky := info.Mode().Perm(), info.Mode()&fs.ModeSticky != 0
		switch {
		case int(st.Uid) != uid && st.Uid != 0:
			return fmt.Errorf("the directory %s is owned by uid %d, who could delete or rename the state between runs", dir, st.Uid)
		case !sticky && (perm&0o002 != 0 || perm&0o020 != 0 && int(st.Gid) != gid):
			return fmt.Errorf("the directory %s has mode %04o: other users could delete or rename the state between runs", dir, perm)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}
