package bulk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// fileMode is the mode of every file this package creates: the output holds credentials, and
// the journal says who got one, so neither is for other users of the machine.
const fileMode fs.FileMode = 0o600

// maxLine bounds one line of a journal or output file; real lines are under 2 KiB.
const maxLine = 1 << 20

// appendLog is a JSON-lines file that is only ever appended to, and made durable (fsync)
// before append returns. Concurrent appends share one fsync (group commit), so many workers
// cost far fewer fsyncs than lines.
type appendLog struct {
	f    *os.File
	path string

	mu      sync.Mutex // serialises writes; guards written and broken
	written uint64
	// broken is the first write or fsync error. A failed write can leave part of a line
	// behind, and a failed fsync can drop lines already written: any line appended after
	// either would follow a torn one, where a resume refuses to read on, so none is.
	broken error

	syncMu sync.Mutex // one fsync at a time; guards synced
	synced uint64
}

// openLog opens (or creates, mode 0600) the JSON-lines file at path for appending, and calls
// each for every complete line already in it, in order, with its 1-based line number.
//
// A crash can leave the last line torn (written in part, or zeros after a power loss): that
// line alone is cut off, since nothing after it can depend on it. An unparsable line anywhere
// else, or a last line no crash could leave (see checkTornTail), means someone else wrote the
// file, and opening fails rather than guess.
//
// A file readable or writable by group or others is refused: it holds credentials or says who
// got them, and silently tightening someone's file would hide that it was exposed. So is a file
// another run has open (see lockFile): two runs on one journal would both mint for its users.
func openLog(path string, each func(line int, raw []byte) error) (*appendLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, fileMode)
	if err != nil {
		return nil, err
	}
	// A pipe (--out /dev/stdout) or a device cannot be read back on resume, and reading a pipe
	// this process holds open for writing would block for ever.
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%s is not a regular file: a run reads its output and journal back on resume", path)
	}
	if err := lockFile(f); err != nil { // before reading: another run may be appending
		f.Close()
		return nil, err
	}
	l := &appendLog{f: f, path: path}
	if err := l.load(each); err != nil {
		f.Close()
		return nil, err
	}
	// A new file's name is durable only once its directory is: without this, a power cut
	// could lose the whole journal along with the intents fsynced into it.
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

func (l *appendLog) load(each func(line int, raw []byte) error) error {
	info, err := l.f.Stat()
	if err != nil {
		return err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s has mode %04o: it is open to other users of this machine; make it private (chmod 600) and check who read it", l.path, perm)
	}
	good, err := scanLines(l.f, l.path, each)
	if err != nil {
		return err
	}
	if good < info.Size() {
		if err := l.checkTornTail(good); err != nil {
			return err
		}
		// Cut off the torn tail so that the next append starts a line of its own.
		if err := l.f.Truncate(good); err != nil {
			return fmt.Errorf("cut the torn last line of %s: %w", l.path, err)
		}
		if err := l.f.Sync(); err != nil {
			return err
		}
	}
	return nil
}

// checkTornTail refuses to cut a tail (the bytes from off to the end) that no crash of this
// package could have left: a torn line is the start of one of its JSON lines, or the zeros a
// power cut can leave. Anything else means path is not a file this package wrote (a --journal
// pointed at a key file, --out at the input), and cutting it would destroy someone's data. The
// bytes are not quoted: the file may hold a secret.
func (l *appendLog) checkTornTail(off int64) error {
	var first [1]byte
	if _, err := l.f.ReadAt(first[:], off); err != nil {
		return fmt.Errorf("read the last line of %s: %w", l.path, err)
	}
	if first[0] != '{' && first[0] != 0 {
		return fmt.Errorf("%s ends in something this package did not write (not a JSON line it appends): not cutting it; is it the right file?", l.path)
	}
	return nil
}

// scanLines calls each for every complete JSON line of r, and returns the offset just past
// the last one. The last line is let go, not reported, when it is torn: cut short, or not
// JSON. Any other line that is not JSON is an error.
func scanLines(r io.Reader, name string, each func(line int, raw []byte) error) (good int64, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	// The last complete line is held back: it may be the torn one.
	var (
		prev            []byte
		prevLine        int
		prevEnd, offset int64
	)
	for line := 1; ; line++ {
		raw, err := readLine(br)
		if err != nil {
			return 0, fmt.Errorf("read %s line %d: %w", name, line, err)
		}
		if len(raw) == 0 || raw[len(raw)-1] != '\n' {
			break // end of file, possibly after a torn line
		}
		offset += int64(len(raw))
		if prev != nil {
			if !json.Valid(prev) {
				return 0, fmt.Errorf("%s line %d is not JSON: the file was changed by something else; refusing to guess", name, prevLine)
			}
			if err := each(prevLine, prev); err != nil {
				return 0, err
			}
			good = prevEnd
		}
		prev, prevLine, prevEnd = bytes.TrimSuffix(raw, []byte("\n")), line, offset
	}
	if prev != nil && json.Valid(prev) {
		if err := each(prevLine, prev); err != nil {
			return 0, err
		}
		good = prevEnd
	}
	return good, nil
}

// readLine reads one line with its newline, or what is left before EOF; at most maxLine bytes.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		switch {
		case len(line) > maxLine:
			return nil, fmt.Errorf("over %d bytes: not a file this package wrote", maxLine)
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return line, nil
		}
		return line, err
	}
}

// append writes v as one JSON line and returns once it is on stable storage.
func (l *appendLog) append(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	l.mu.Lock()
	if l.broken != nil {
		err := l.broken
		l.mu.Unlock()
		return err
	}
	_, err = l.f.Write(b) // O_APPEND: one write, one line
	if err != nil {
		l.broken = fmt.Errorf("write %s: %w", l.path, err)
		err = l.broken
	}
	l.written++
	seq := l.written
	l.mu.Unlock()
	if err != nil {
		return err
	}
	return l.syncThrough(seq)
}

// syncThrough returns once the seq-th line written is durable. Whoever fsyncs makes every
// line written so far durable, so waiting callers usually find their work done for them.
func (l *appendLog) syncThrough(seq uint64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.synced >= seq {
		return nil
	}
	l.mu.Lock()
	upto, broken := l.written, l.broken
	l.mu.Unlock()
	if broken != nil {
		return broken // what the failed write left is not durable, whatever fsync says
	}
	if err := l.f.Sync(); err != nil {
		err = fmt.Errorf("sync %s: %w", l.path, err)
		l.mu.Lock()
		if l.broken == nil {
			l.broken = err
		}
		l.mu.Unlock()
		return err
	}
	l.synced = upto
	return nil
}

func (l *appendLog) close() error { return l.f.Close() }
