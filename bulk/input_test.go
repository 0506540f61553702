package bulk_test

import (
	"errors"
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
