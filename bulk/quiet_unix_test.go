//go:build linux || darwin

package bulk_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/clerkgen/signintokens/bulk"
)

// TestLibraryPrintsNothing: a run with a failure and an unknown outcome writes nothing to the
// process's stdout or stderr (file descriptors 1 and 2, so that fmt, log and the println
// builtin are all caught); what happened is in the Report and the progress reports only.
func TestLibraryPrintsNothing(t *testing.T) {
	fake := newFake(t)
	fake.FailNext(1, http.StatusNotFound, 0)
	fake.DropNext(1)
	c := fake.client(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := [2]int{}
	for i, fd := range []int{1, 2} {
		if saved[i], err = unix.Dup(fd); err != nil {
			t.Fatal(err)
		}
		if err := unix.Dup2(int(w.Fd()), fd); err != nil {
			t.Fatal(err)
		}
	}
	rep, runErr := files(t, fake).mint(context.Background(), c, users(5), fast(), bulk.WithConcurrency(1))
	for i, fd := range []int{1, 2} {
		unix.Dup2(saved[i], fd)
		unix.Close(saved[i])
	}
	w.Close()
	printed, _ := io.ReadAll(r)
	if runErr != nil || rep.Failed != 1 || rep.Unknown != 1 {
		t.Fatalf("%v %+v", runErr, rep.Progress)
	}
	if len(printed) > 0 {
		t.Fatalf("the library printed:\n%s", printed)
	}
}
