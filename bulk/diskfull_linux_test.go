package bulk

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestNoAppendAfterAFailedWrite: a full disk can take part of a line and fail the write,
// then find room again (a log rotated, a file deleted) for the next worker's line. That line
// would sit after the torn one, in the middle of the file, where a resume refuses to guess:
// the run could never be resumed. After one failed write or fsync, every append fails, so
// what the failure left is the last line, which a resume cuts off.
//
// A child process (this test binary) lowers its own file-size limit to make the write fail
// part way, as a full disk does; a limit is per process, so it runs alone there.
func TestNoAppendAfterAFailedWrite(t *testing.T) {
	if path := os.Getenv("BULK_TEST_DISK_FULL"); path != "" {
		writeUntilFullThenAgain(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "log.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoAppendAfterAFailedWrite$", "-test.count=1")
	cmd.Env = append(os.Environ(), "BULK_TEST_DISK_FULL="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	lines := 0
	l, err := openLog(path, func(int, []byte) error { lines++; return nil })
	if err != nil {
		t.Fatalf("the log cannot be resumed: %v", err)
	}
	l.close()
	if lines != 1 {
		t.Fatalf("%d lines survive; want the one written before the failure", lines)
	}
}

func writeUntilFullThenAgain(t *testing.T, path string) {
	l, err := openLog(path, func(int, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	if err := l.append(map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	info, err := l.f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	var room syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &room); err != nil {
		t.Fatal(err)
	}
	full := syscall.Rlimit{Cur: uint64(info.Size()) + 10, Max: room.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &full); err != nil {
		t.Fatal(err)
	}
	if err := l.append(map[string]string{"pad": strings.Repeat("x", 100)}); err == nil {
		t.Fatal("a write past the limit succeeded")
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &room); err != nil { // room again
		t.Fatal(err)
	}
	// Two more workers' lines: the first joins the torn one, the second would follow it.
	_ = l.append(map[string]int{"n": 3})
	_ = l.append(map[string]int{"n": 4})
}
