//go:build unix

package bulk_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/clerkgen/signintokens/bulk"
)

// TestOnlyItsOwnFilesAreTouched: a state or links path naming something that is not this
// package's own private file is refused at once, before anything is sent, and the file is
// left byte for byte as it was: a pipe (reading it blocked v0.1.0 for ever), a symlink (to a
// file of the operator's), an empty file, a one-line JSON credentials file with no final
// newline or one starting with a NUL byte (v0.1.0 cut both to zero as a "torn line"), another
// program's bbolt database, and a file owned by another user (when the test runs as root).
func TestOnlyItsOwnFilesAreTouched(t *testing.T) {
	type planted struct {
		name  string
		plant func(t *testing.T, path string)
		want  error
	}
	write := func(content string) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []planted{
		{"named pipe", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}, bulk.ErrNotPrivate},
		{"symlink", func(t *testing.T, path string) {
			target := filepath.Join(filepath.Dir(path), "operators-file")
			write(`{"secret":"x"}`)(t, target)
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}, bulk.ErrNotPrivate},
		{"JSON with no final newline", write(`{"sk":"sk_live_abc"}`), nil},
		{"NUL first", write("\x00\x00secret"), nil},
		{"empty", write(""), nil},
		{"another program's bbolt file", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("theirs")); return err })
			db.Close()
		}, nil},
	}
	if os.Geteuid() == 0 {
		cases = append(cases, planted{"owned by another user", func(t *testing.T, path string) {
			write("")(t, path)
			if err := os.Chown(path, 4242, 4242); err != nil {
				t.Fatal(err)
			}
		}, bulk.ErrNotPrivate})
	}
	for _, which := range []string{"state", "output"} {
		for _, c := range cases {
			t.Run(which+"/"+c.name, func(t *testing.T) {
				fake := newFake(t)
				f := files(t, fake)
				path := f.State
				want := c.want
				if which == "output" {
					path = f.Output
					if want == nil {
						want = bulk.ErrForeignFile
					}
				} else if want == nil {
					want = bulk.ErrNotState
				}
				c.plant(t, path)
				before := snapshot(path)
				done := make(chan error, 1)
				go func() {
					st, err := bulk.OpenState(f.State, f.inst)
					if err == nil {
						err = st.CheckExport(f.Output) // what the CLI does before minting
						st.Close()
					}
					done <- err
				}()
				select {
				case err := <-done:
					if !errors.Is(err, want) {
						t.Fatalf("err = %v, want %v", err, want)
					}
				case <-time.After(10 * time.Second):
					os.Remove(path)
					t.Fatal("blocked on the planted file")
				}
				if after := snapshot(path); !bytes.Equal(before, after) {
					t.Fatalf("the planted file changed")
				}
			})
		}
	}
}

// snapshot is path's bytes (not following a symlink), or nil for what is not a regular file.
func snapshot(path string) []byte {
	if info, err := os.Lstat(path); err != nil || !info.Mode().IsRegular() {
		return nil
	}
	b, _ := os.ReadFile(path)
	return append([]byte{}, b...)
}

// TestExportRemovesWhatAKilledExportLeft: an export killed between its temporary file and
// the rename leaves credentials beside the links file; the next export removes them.
func TestExportRemovesWhatAKilledExportLeft(t *testing.T) {
	fake := newFake(t)
	f := mintRun(t, fake, 2)
	stale := filepath.Join(filepath.Dir(f.Output), "."+filepath.Base(f.Output)+".tmp-123")
	if err := os.WriteFile(stale, []byte("credentials"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := bulk.OpenExistingState(f.State)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := st.Export(f.Output); err != nil || n != 2 {
		t.Fatalf("export: %d, %v", n, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the stale temporary file is still there: %v", err)
	}
}
