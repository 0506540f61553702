package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var errInjected = errors.New("injected failure")

// recorder is a fileSystem whose calls, and the temporary file's, are logged in order; the
// call named fail returns errInjected instead of acting.
type recorder struct {
	t     *testing.T
	steps []string
	fail  string
	data  []byte // what the temporary file must hold when it is renamed
}

func (r *recorder) step(name string) error {
	r.steps = append(r.steps, name)
	if name == r.fail {
		return errInjected
	}
	return nil
}

func (r *recorder) fileSystem() fileSystem {
	return fileSystem{
		createTemp: func(dir, pattern string) (tempFile, error) {
			if err := r.step("create"); err != nil {
				return nil, err
			}
			f, err := os.CreateTemp(dir, pattern)
			if err != nil {
				return nil, err
			}
			return &recordedFile{f, r}, nil
		},
		rename: func(oldpath, newpath string) error {
			// What a crash right after the rename would leave: it must be the whole data.
			if got, err := os.ReadFile(oldpath); err != nil || string(got) != string(r.data) {
				r.t.Errorf("at the rename the temporary file holds %q (%v), want %q", got, err, r.data)
			}
			if err := r.step("rename"); err != nil {
				return err
			}
			return system.rename(oldpath, newpath)
		},
		syncDir: func(dir string) error {
			if err := r.step("syncDir"); err != nil {
				return err
			}
			return system.syncDir(dir)
		},
	}
}

type recordedFile struct {
	*os.File
	r *recorder
}

func (f *recordedFile) Write(p []byte) (int, error) {
	if err := f.r.step("write"); err != nil {
		return 0, err
	}
	return f.File.Write(p)
}

func (f *recordedFile) Sync() error {
	if err := f.r.step("sync"); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f *recordedFile) Close() error {
	err := f.File.Close() // closed even when failing: the test leaks no descriptor
	if serr := f.r.step("close"); serr != nil {
		return serr
	}
	return err
}

// TestWrite: the data is fsynced and closed before the rename, the directory fsynced after;
// a failure at any step before the rename leaves the old file as it was and no temporary file.
func TestWrite(t *testing.T) {
	all := []string{"create", "write", "sync", "close", "rename", "syncDir"}
	for _, tc := range []struct {
		fail      string
		wantSteps []string
		replaced  bool // path holds the new data afterwards
	}{
		{fail: "", wantSteps: all, replaced: true},
		{fail: "create", wantSteps: all[:1]},
		{fail: "write", wantSteps: []string{"create", "write", "close"}},
		{fail: "sync", wantSteps: []string{"create", "write", "sync", "close"}},
		{fail: "close", wantSteps: all[:4]},
		{fail: "rename", wantSteps: all[:5]},
		{fail: "syncDir", wantSteps: all, replaced: true}, // renamed, but not known durable: an error
	} {
		for _, existed := range []bool{true, false} {
			name := "fail=" + tc.fail
			if !existed {
				name += "/new"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "links.jsonl")
				old := "old content\n"
				if existed {
					if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				r := &recorder{t: t, fail: tc.fail, data: []byte("new content\n")}
				err := write(path, r.data, r.fileSystem())

				if (tc.fail == "") != (err == nil) || tc.fail != "" && !errors.Is(err, errInjected) {
					t.Errorf("write = %v, want the injected failure of %q", err, tc.fail)
				}
				if !slices.Equal(r.steps, tc.wantSteps) {
					t.Errorf("steps %v, want %v", r.steps, tc.wantSteps)
				}
				got, rerr := os.ReadFile(path)
				switch {
				case tc.replaced:
					if string(got) != string(r.data) {
						t.Errorf("path holds %q (%v), want the new data", got, rerr)
					}
					if info, err := os.Lstat(path); err != nil || info.Mode() != 0o600 {
						t.Errorf("path: %v, %v; want a regular file, mode 0600", info.Mode(), err)
					}
				case existed:
					if string(got) != old {
						t.Errorf("after a failure path holds %q (%v), want the old content", got, rerr)
					}
				case !os.IsNotExist(rerr):
					t.Errorf("after a failure path exists: %q, %v", got, rerr)
				}
				wantOnly(t, dir, existed || tc.replaced)
			})
		}
	}
}

// wantOnly fails if dir holds any file but links.jsonl (and that one only when want).
func wantOnly(t *testing.T, dir string, want bool) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if wantNames := []string{"links.jsonl"}; want && !slices.Equal(names, wantNames) || !want && len(names) > 0 {
		t.Errorf("the directory holds %v; want only the target (%v): a temporary file was left", names, want)
	}
}

// TestWriteNamesItsTempBesideTheTarget: the temporary file is in the target's directory (a
// rename across file systems fails) and named by TempPrefix, which bulk's cleanup relies on.
func TestWriteNamesItsTempBesideTheTarget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	fsys := system
	var tmpName string
	fsys.rename = func(oldpath, newpath string) error {
		tmpName = oldpath
		return os.Rename(oldpath, newpath)
	}
	if err := write(path, []byte("{}\n"), fsys); err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(tmpName) != dir || !strings.HasPrefix(filepath.Base(tmpName), TempPrefix(path)) || !strings.HasPrefix(TempPrefix(path), ".") {
		t.Fatalf("temporary file %s, want one in %s named %s…", tmpName, dir, TempPrefix(path))
	}
}

// TestWriteReplacesASymlinkNeverFollowsIt: a symlink at the target (a neighbour's, pointing at
// a file of the user's) is replaced by the new file; the file it pointed at is untouched.
func TestWriteReplacesASymlinkNeverFollowsIt(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "links.jsonl")
	if err := os.Symlink(victim, path); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := Write(path, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(victim); string(got) != "precious\n" {
		t.Errorf("the symlink's target now holds %q", got)
	}
	if info, err := os.Lstat(path); err != nil || !info.Mode().IsRegular() {
		t.Errorf("path is %v (%v), want a regular file", info.Mode(), err)
	}
	wantOnly(t, dir, true)
}

// TestWriteIntoAMissingDirectory: nothing to create the temporary file in is a plain error.
func TestWriteIntoAMissingDirectory(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "no", "such"), []byte("x")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Write = %v, want ErrNotExist", err)
	}
}
