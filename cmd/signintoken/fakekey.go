package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// fakeKeyEnv is where the fake finds its key when neither --key nor --key-file is given: an
// environment variable is not in /proc/PID/cmdline, which every local user can read.
const fakeKeyEnv = "SIGNINTOKEN_FAKE_KEY"

// maxKeyFile bounds what --key-file reads: a key is well under a hundred bytes.
const maxKeyFile = 4 << 10

// readKeyFile reads the fake's key from path: a regular file of one line, owned by this user
// and readable by no one else (as ssh asks of a private key), so that nobody else chose the
// key or can read it. clienttest checks the key itself.
func readKeyFile(path string) (string, error) {
	// O_NONBLOCK: a FIFO (a wrong path, or one planted) opens at once, to be refused below,
	// instead of waiting for a writer. It changes nothing for a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	if !ownedByMe(fi) {
		return "", fmt.Errorf("%s is not owned by this user: someone else could have chosen the key", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s is readable or writable by others (mode %04o); chmod 600 it", path, fi.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxKeyFile {
		return "", fmt.Errorf("%s is over %d bytes: not a key file", path, maxKeyFile)
	}
	key := string(bytes.TrimRight(data, "\r\n"))
	if key == "" {
		return "", errors.New(path + " is empty")
	}
	return key, nil
}
