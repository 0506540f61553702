package bulk

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// Input is one user to mint a sign-in token for.
type Input struct {
	UserID         string        // required
	OrganizationID string        // optional: activated when the user signs in
	ExpiresIn      time.Duration // 0: the run's default (WithExpiry), not the client's
	Line           int           // where the input came from (ReadInputs sets it), for messages; 0 if unknown
}

// ReadInputs reads users from r: CSV whose header names a user_id column (and optionally
// org_id and expires_in_seconds; other columns are ignored), or JSON lines with the same
// keys. The format is told by the first non-blank character: '{' is JSON lines.
//
// Every line is checked before anything is returned, and an error names the line and the
// field, never a value that could be a credential. Blank lines are skipped.
func ReadInputs(r io.Reader) ([]Input, error) {
	br := bufio.NewReader(&lineLimit{r: r})
	skipped := 0 // blank lines before the first, so that line numbers stay the file's
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, invalid("the input is empty: want a CSV header naming user_id, or JSON lines")
			}
			if errors.Is(err, errLineTooLong) {
				return nil, invalid("line %d: %v", skipped+1, err)
			}
			return nil, err
		}
		if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\uFEFF")) { // spreadsheets write one
			br.Discard(3)
			continue
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' {
			if b[0] == '\n' {
				skipped++
			}
			br.Discard(1)
			continue
		}
		if b[0] == '{' {
			return readJSONLines(br, skipped)
		}
		return readCSV(br, skipped)
	}
}

// maxLine bounds one line of input, and one CSV record however many lines it spans: no valid
// one is over a few hundred bytes, and encoding/csv would read one of any length whole into
// memory.
const maxLine = 1 << 20

// errLineTooLong is what a line or record longer than maxLine gets.
var errLineTooLong = fmt.Errorf("longer than %d bytes: not a list of users", maxLine)

// recordLimit is what encoding/csv reads through: it fails with errLineTooLong once the
// bytes read past the end of the last whole record (done says where that is: InputOffset
// after each Read, as InputOffset moves line by line within a record) run past maxLine and
// the reader's buffer. A quoted field may span any number of short lines, which lineLimit
// alone lets through.
type recordLimit struct {
	r    io.Reader
	read int64 // bytes handed to the CSV reader so far
	done func() int64
}

// csvBuffer is encoding/csv's read-ahead (its bufio.Reader's default size).
const csvBuffer = 4096

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.read-l.done() > maxLine+csvBuffer {
		return 0, errLineTooLong
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// lineLimit reads r, failing with errLineTooLong once a line runs past maxLine bytes.
type lineLimit struct {
	r   io.Reader
	run int // bytes since the last newline
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if first := bytes.IndexByte(p[:n], '\n'); first >= 0 {
		if l.run+first > maxLine { // the line this read ends
			return 0, errLineTooLong
		}
		l.run = n - 1 - bytes.LastIndexByte(p[:n], '\n') // lines between are bounded by len(p)
	} else {
		l.run += n
	}
	if l.run > maxLine {
		return 0, errLineTooLong
	}
	return n, err
}

// invalid is an input error: it wraps api.ErrInvalidInput, so callers branch on one sentinel.
func invalid(format string, args ...any) error {
	return fmt.Errorf("bulk: %w: "+format, append([]any{api.ErrInvalidInput}, args...)...)
}

func readCSV(r io.Reader, skipped int) ([]Input, error) {
	var recordEnd int64 // where the last record read ended
	limit := &recordLimit{r: r, done: func() int64 { return recordEnd }}
	cr := csv.NewReader(limit)
	cr.FieldsPerRecord = -1 // checked below, with a clearer message
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, invalid("CSV header: %v", csvReason(err, skipped))
	}
	header = slices.Clone(header) // ReuseRecord: the next Read overwrites it
	recordEnd = cr.InputOffset()
	col := map[string]int{"user_id": -1, "org_id": -1, "expires_in_seconds": -1}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		if _, ok := col[name]; ok {
			if col[name] >= 0 {
				return nil, invalid("CSV header names %s twice", name)
			}
			col[name] = i
		}
	}
	if col["user_id"] < 0 {
		return nil, invalid("CSV header (line %d) has no user_id column", skipped+1)
	}
	var out []Input
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, invalid("CSV: %v", csvReason(err, skipped))
		}
		recordEnd = cr.InputOffset()
		line, _ := cr.FieldPos(0)
		line += skipped
		if len(rec) != len(header) {
			return nil, invalid("line %d has %d fields; the header has %d", line, len(rec), len(header))
		}
		field := func(name string) string {
			if i := col[name]; i >= 0 {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		in, err := newInput(line, field("user_id"), field("org_id"), field("expires_in_seconds"))
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
}

// csvReason is a CSV error without the text of the line, which is the caller's data.
func csvReason(err error, skipped int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: %w", pe.Line+skipped, pe.Column, pe.Err)
	}
	return err
}

// inputLine is one JSON line of input.
type inputLine struct {
	UserID           *string          `json:"user_id"`
	OrgID            *string          `json:"org_id"`
	ExpiresInSeconds *json.RawMessage `json:"expires_in_seconds"`
	// Present in bulk create's output, never in an input: refusing them stops a re-run on
	// the output from minting a second token for everyone.
	Token *json.RawMessage `json:"token"`
	URL   *json.RawMessage `json:"url"`
}

func readJSONLines(r io.Reader, skipped int) ([]Input, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var out []Input
	line := skipped
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var l inputLine
		if err := json.Unmarshal(raw, &l); err != nil {
			// The decoder's message can quote the line; say only where and what kind.
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) && typeErr.Field != "" {
				return nil, invalid("line %d: %s is not a string", line, typeErr.Field)
			}
			return nil, invalid("line %d is not a JSON object", line)
		}
		if l.Token != nil || l.URL != nil {
			return nil, invalid("line %d has a token or url: this is the links file of bulk create, not a list of users (to undo a run, use bulk revoke)", line)
		}
		var userID, orgID, expires string
		if l.UserID != nil {
			userID = *l.UserID
		}
		if l.OrgID != nil {
			orgID = *l.OrgID
		}
		if l.ExpiresInSeconds != nil {
			expires = strings.Trim(string(*l.ExpiresInSeconds), `"`)
			if expires == "null" {
				expires = ""
			}
		}
		in, err := newInput(line, userID, orgID, expires)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	if err := sc.Err(); errors.Is(err, errLineTooLong) || errors.Is(err, bufio.ErrTooLong) {
		return nil, invalid("line %d: %v", line+1, errLineTooLong)
	} else if err != nil {
		return nil, invalid("JSON lines: %v", err)
	}
	if len(out) == 0 {
		return nil, invalid("the input has no users")
	}
	return out, nil
}

// newInput checks one line's values the way Clerk would refuse them, so that a bad line stops
// the run before anything is sent rather than failing in the middle of it.
func newInput(line int, userID, orgID, expires string) (Input, error) {
	in := Input{UserID: userID, OrganizationID: orgID, Line: line}
	switch {
	case userID == "":
		return in, invalid("line %d: user_id is empty", line)
	case !isID(userID):
		return in, invalid("line %d: user_id has characters no Clerk id has (ids look like user_2abc…)", line)
	case orgID != "" && !isID(orgID):
		return in, invalid("line %d: org_id has characters no Clerk id has (ids look like org_2abc…)", line)
	}
	if expires != "" {
		n, err := strconv.ParseInt(expires, 10, 64)
		if err != nil || n < 1 || n > int64(maxExpiry/time.Second) {
			return in, invalid("line %d: expires_in_seconds is not a whole number of seconds from 1 to %d", line, int64(maxExpiry/time.Second))
		}
		in.ExpiresIn = time.Duration(n) * time.Second
	}
	return in, nil
}

// maxExpiry bounds expires_in_seconds to what a time.Duration holds with room to spare.
const maxExpiry = 100 * 365 * 24 * time.Hour

// isID accepts the characters of Clerk's ids: letters, digits, _ and -.
func isID(s string) bool {
	if len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
