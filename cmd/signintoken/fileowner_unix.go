//go:build unix

package main

import (
	"os"
	"syscall"
)

// ownedByMe reports whether fi's file belongs to this process's effective user.
func ownedByMe(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// sameOwner reports whether a's and b's files belong to the same user.
func sameOwner(a, b os.FileInfo) bool {
	sa, ok := a.Sys().(*syscall.Stat_t)
	sb, okb := b.Sys().(*syscall.Stat_t)
	return ok && okb && sa.Uid == sb.Uid
}
