// Package atomicfile replaces a file whole: a reader, or a crash, finds the old content or the
// new, never a part of it, and never an empty file. It is the one home of that mechanism for
// bulk's links file (State.Export) and the fake's --summary-json.
//
// [Write] keeps these rules:
//   - the data goes to a new temporary file beside the target (the rename must stay within one
//     file system), named [TempPrefix] and a random suffix, created exclusively (O_EXCL, as
//     [os.CreateTemp] does) with mode 0600: a name that exists, a symlink a neighbour planted
//     included, is never opened, followed or adopted;
//   - the data is fsynced and the file closed before the rename, so that the target's name
//     never points at content that is not yet on disk;
//   - the directory is fsynced after the rename, so that the new name survives a crash too;
//   - on every failure before the rename the temporary file is removed and the target is left
//     as it was; after the rename nothing is removed, as the temporary name may by then be
//     someone else's file;
//   - a symlink at the target is replaced by the new file, never written through.
//
// Which target may be replaced at all (whose file it is, its mode, its kind) is the caller's
// rule, checked before Write: bulk's ownership and "did this state write it" checks, the
// fake's device, FIFO and symlink rules.
//
// Why not github.com/google/renameio/v2, which does the same: it builds on no Windows (bulk
// does), and it does not fsync the directory. The mechanism is thirty lines.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write replaces path with data (mode 0600), as the package doc says. An error after the
// rename (the directory could not be fsynced) means path holds data, but a crash may yet
// undo the rename.
func Write(path string, data []byte) error { return write(path, data, system) }

// TempPrefix is how the names of Write's temporary files for path begin: hidden, beside it.
// A caller that removes the temporaries a killed process left (bulk does: they hold
// credentials) finds them by it.
func TempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// SyncDir fsyncs the directory dir, so that the names created or renamed in it survive a
// crash. A platform that cannot sync a directory (os.ErrInvalid) is not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync the directory %s: %w", dir, err)
	}
	return nil
}

// tempFile is what write needs of its temporary file: an *os.File, or a test's wrapper of one.
type tempFile interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

// fileSystem is the calls write makes besides the temporary file's own, so that a test can
// watch their order and fail any one of them.
type fileSystem struct {
	createTemp func(dir, pattern string) (tempFile, error)
	rename     func(oldpath, newpath string) error
	syncDir    func(dir string) error
}

var system = fileSystem{
	createTemp: func(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) },
	rename:     os.Rename,
	syncDir:    SyncDir,
}

func write(path string, data []byte, fsys fileSystem) error {
	dir := filepath.Dir(path)
	tmp, err := fsys.createTemp(dir, TempPrefix(path)+"*") // O_EXCL, mode 0600
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmp.Name())
		}
	}()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := fsys.rename(tmp.Name(), path); err != nil {
		return err
	}
	renamed = true
	return fsys.syncDir(dir)
}
