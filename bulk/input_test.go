package bulk_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
)

func TestReadInputs(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []bulk.Input
	}{
		{"csv", "user_id\nuser_a\nuser_b\n", []bulk.Input{{UserID: "user_a", Line: 2}, {UserID: "user_b", Line: 3}}},
		{"csv with every column, in any order, and others", "\uFEFFemail,expires_in_seconds,User_ID,org_id\r\nx@y.z,3600,user_a,org_1\r\n\r\nq@r.s,,user_b,\r\n",
			[]bulk.Input{{UserID: "user_a", OrganizationID: "org_1", ExpiresIn: time.Hour, Line: 2}, {UserID: "user_b", Line: 4}}},
		{"json lines", "\n{\"user_id\":\"user_a\",\"expires_in_seconds\":60}\n\n{\"user_id\":\"user_b\",\"org_id\":\"org_2\",\"name\":\"B\"}\n",
			[]bulk.Input{{UserID: "user_a", ExpiresIn: time.Minute, Line: 2}, {UserID: "user_b", OrganizationID: "org_2", Line: 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bulk.ReadInputs(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v", got)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("input %d: got %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestReadInputsErrors: each error names the line and the field, wraps ErrInvalidInput, and
// never quotes a value (which could be a credential pasted in the wrong column).
func TestReadInputsErrors(t *testing.T) {
	const secret = "eyJSECRETTICKET"
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"no user_id column", "email\nx@y.z\n", "no user_id column"},
		{"empty user_id", "user_id,org_id\nuser_a,\n,org_1\n", "line 3: user_id is empty"},
		{"credential as user_id", "user_id\nuser_a\n" + secret + "?x=1\n", "line 3: user_id has characters"},
		{"bad org", "user_id,org_id\nuser_a,org 1\n", "line 2: org_id"},
		{"bad expiry", "user_id,expires_in_seconds\nuser_a,1h\n", "line 2: expires_in_seconds"},
		{"zero expiry", `{"user_id":"user_a","expires_in_seconds":0}`, "line 1: expires_in_seconds"},
		{"field count", "user_id,org_id\nuser_a\n", "line 2 has 1 fields"},
		{"bad quote", "user_id\n\"user_a" + secret + "\n", "line 2"},
		{"json not an object", "{\"user_id\":\"user_a\"}\n[\"" + secret + "\"]\n", "line 2 is not a JSON object"},
		{"json wrong type", `{"user_id":12}`, "line 1: user_id is not a string"},
		{"bulk output as input", `{"user_id":"user_a","id":"sit_1","token":"` + secret + `"}`, "line 1 has a token or url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bulk.ReadInputs(strings.NewReader(tc.in))
			if !errors.Is(err, api.ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error quotes the input: %v", err)
			}
		})
	}
}

// endless is a line that never ends: a file of one huge line, or /dev/zero given as --in.
type endless struct {
	b    byte
	read int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= 64<<20 { // ends, so that a broken reader fails the test rather than hang it
		return 0, io.EOF
	}
	for i := range p {
		p[i] = e.b
	}
	e.read += int64(len(p))
	return len(p), nil
}

// TestReadInputsBoundsALine: no valid line is longer than a few hundred bytes, so a huge one
// (in CSV, in JSON lines, or blanks before the first) is refused once it passes a megabyte,
// rather than read whole into memory.
func TestReadInputsBoundsALine(t *testing.T) {
	for name, prefix := range map[string]string{"csv header": "", "csv record": "user_id\n", "json lines": "{\"user_id\":\"user_a\"}\n", "blanks": " "} {
		t.Run(name, func(t *testing.T) {
			body := &endless{b: 'a'}
			if name == "blanks" {
				body.b = ' '
			}
			_, err := bulk.ReadInputs(io.MultiReader(strings.NewReader(prefix), body))
			if !errors.Is(err, api.ErrInvalidInput) || !strings.Contains(err.Error(), "longer than") {
				t.Fatalf("err = %v", err)
			}
			if body.read > 4<<20 {
				t.Fatalf("read %d MiB of one line before refusing it", body.read>>20)
			}
		})
	}
}

// shortLines is many short lines: "a\n" over and over.
type shortLines struct{ read int64 }

func (s *shortLines) Read(p []byte) (int, error) {
	if s.read >= 64<<20 {
		return 0, io.EOF
	}
	n := len(p) &^ 1
	for i := 0; i < n; i += 2 {
		p[i], p[i+1] = 'a', '\n'
	}
	s.read += int64(n)
	return n, nil
}

// TestReadInputsBoundsARecord: a quoted CSV field spread over short lines is one record, and
// the line bound alone let it grow without end (200 MB of input took 751 MiB of heap). It is
// refused once the record passes a megabyte, however it is split, and a record just under the
// bound is read.
func TestReadInputsBoundsARecord(t *testing.T) {
	body := &shortLines{}
	_, err := bulk.ReadInputs(io.MultiReader(strings.NewReader("user_id,note\nuser_a,\""), body))
	if !errors.Is(err, api.ErrInvalidInput) || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("err = %v", err)
	}
	if body.read > 4<<20 {
		t.Fatalf("read %d MiB of one record before refusing it", body.read>>20)
	}
	note := strings.Repeat("a\n", 400<<10) // 800 KiB over short lines
	got, err := bulk.ReadInputs(strings.NewReader("user_id,note\nuser_a,\"" + note + "\"\nuser_b,\"" + note + "\"\n"))
	if err != nil || len(got) != 2 {
		t.Fatalf("two records under the bound: %v, %d read", err, len(got))
	}
}
