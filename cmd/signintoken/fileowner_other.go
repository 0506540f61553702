//go:build !unix

package main

import "os"

// ownedByMe reports whether fi's file belongs to this process's user. Outside Unix, ownership
// is not in os.FileInfo; the file's directory is trusted.
func ownedByMe(os.FileInfo) bool { return true }
