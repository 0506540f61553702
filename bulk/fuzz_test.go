package bulk_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
)

// FuzzReadInputs: whatever the file holds, ReadInputs never panics; what it accepts is only
// well-formed users, and what it refuses is refused with api.ErrInvalidInput and without
// quoting the file (the marker SECRETVALUE, standing for a credential pasted in, never shows).
func FuzzReadInputs(f *testing.F) {
	for _, seed := range []string{
		"user_id\nuser_a\n",
		"\uFEFFemail,user_id,org_id,expires_in_seconds\r\nx@y,user_a,org_1,60\r\n",
		"user_id\n\"user_SECRETVALUE\n",
		"user_id,org_id\nuser_a,org SECRETVALUE\n",
		`{"user_id":"user_a","expires_in_seconds":3600}` + "\n" + `{"user_id":"SECRETVALUE x"}`,
		`{"user_id":"user_a","token":"SECRETVALUE"}`,
		`{"user_id":["SECRETVALUE"]}`,
		"\n\n{\"user_id\":\"user_b\",\"org_id\":null}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		users, err := bulk.ReadInputs(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, api.ErrInvalidInput) {
				t.Fatalf("error without ErrInvalidInput: %v", err)
			}
			if bytes.Contains(data, []byte("SECRETVALUE")) && strings.Contains(err.Error(), "SECRETVALUE") {
				t.Fatalf("the error quotes the input: %v", err)
			}
			return
		}
		for _, u := range users {
			if u.UserID == "" || strings.ContainsFunc(u.UserID+u.OrganizationID, func(r rune) bool {
				return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-')
			}) {
				t.Fatalf("accepted a malformed id: %q / %q", u.UserID, u.OrganizationID)
			}
			if u.Line < 1 || u.ExpiresIn < 0 || u.ExpiresIn%time.Second != 0 {
				t.Fatalf("accepted %+v", u)
			}
		}
	})
}
