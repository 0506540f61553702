//go:build unix

package main

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// lockLinks locks the links file at path for as long as the command runs: exclusively for a
// create run (which replaces it at its end), shared for an undo reading it. The state's own
// lock keeps the two apart only when the undo finds the state beside the links; a create run
// may keep its state elsewhere (--state), and an undo from its links would then revoke while
// the run goes on minting. A path that does not exist yet needs no lock: no undo can read it.
func lockLinks(path string, exclusive bool) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLinksInUse(path, exclusive)
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}
