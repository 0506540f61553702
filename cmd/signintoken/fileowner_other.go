//go:build !unix

package main

import "os"

// ownedByMe reports whether fi's file belongs to this process's user. Outside Unix, ownership
// is not in os.FileInfo; the file's directory is trusted.
func ownedByMe(os.FileInfo) bool { return true }

// sameOwner reports whether a's and b's files belong to the same user: outside Unix, as
// ownedByMe, they are taken to.
func sameOwner(a, b os.FileInfo) bool { return true }
