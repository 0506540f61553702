package bulk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// fileMode is the mode of every file this package creates: the state and the links file hold
// credentials.
const fileMode fs.FileMode = 0o600

// ErrNotPrivate is returned for a state or links file that is not the operator's own: a
// symlink, not a regular file, owned by another user, or open to group or others.
var ErrNotPrivate = errors.New("not a private file of this user")

// openPrivate opens path with flag, never through a symlink, and refuses the file unless it
// is private (see checkPrivate). With os.O_CREATE, it also sets os.O_EXCL: a file is either
// created here or was already there and is checked, never adopted in between.
func openPrivate(path string, flag int) (*os.File, error) {
	if flag&os.O_CREATE != 0 {
		flag |= os.O_EXCL
	}
	f, err := os.OpenFile(path, flag|openFlags, fileMode)
	if err != nil {
		if info, lerr := os.Lstat(path); lerr == nil && info.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%w: %s is a symlink: refusing to follow it", ErrNotPrivate, path)
		}
		return nil, err
	}
	info, err := f.Stat()
	if err == nil {
		err = checkPrivate(path, info)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkPrivate refuses a file that is not a regular file owned by this user with no access
// for group or others. It never fixes one: tightening a file someone else could read would
// hide that it was exposed.
func checkPrivate(path string, info fs.FileInfo) error {
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: %s is a symlink: refusing to follow it", ErrNotPrivate, path)
	case !info.Mode().IsRegular():
		return fmt.Errorf("%w: %s is not a regular file", ErrNotPrivate, path)
	case info.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%w: %s has mode %04o: group or others can reach it; it holds credentials, so check who read it, and make it private (chmod 600) only if nobody did",
			ErrNotPrivate, path, info.Mode().Perm())
	}
	if err := ownedByUs(info); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNotPrivate, path, err)
	}
	return nil
}

// checkStateDir refuses a state file whose directory (or one on the way to it) another user
// could change: see othersCanReplace. The path is resolved first, so that a symlinked
// directory is judged by where it leads.
func checkStateDir(path string) error {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return err
	}
	if resolved, err := filepath.EvalSymlinks(dir); err == nil {
		dir = resolved
	}
	if err := othersCanReplace(dir); err != nil {
		return fmt.Errorf("%w: %s: %v; keep it in a directory only you can change (--state)", ErrNotPrivate, path, err)
	}
	return nil
}
