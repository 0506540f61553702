package safepath

import (
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	for in, want := range map[string]string{
		"/v1/sign_in_tokens/sit_2abcDEF123/revoke":                                                  "/v1/sign_in_tokens/sit_2abcDEF123/revoke",
		"/__clienttest/openapi.yaml":                                                                "/__clienttest/openapi.yaml",
		"/v1/sign_in_tokens/eyJhbGciOiJIUzI1NiJ9.e30.sig/x":                                         "/v1/sign_in_tokens/…/x", // a JWT has no place in a path
		"/v1/sign_in_tokens/" + string(make([]byte, 65)):                                            "/v1/sign_in_tokens/…",
		"/v1/sign_in_tokens/" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": "/v1/sign_in_tokens/…",
		"/v1/users/a b": "/v1/users/…",
		"/v1/sign_in_tokens/sk_test_2abcDEF/revoke": "/v1/sign_in_tokens/…/revoke", // a key is id-shaped
		"/__clienttest/sk_live_2abcDEF":             "/__clienttest/…",
	} {
		if got := Of(in); got != want {
			t.Errorf("Of(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMethodAndPathAreBounded(t *testing.T) {
	long := strings.Repeat("A", 60<<10) // a 60 KB method, as net/http accepts one
	if got := Request(long, strings.Repeat("/a", 30<<10)); len(got) > MaxMethod+MaxPath+len(" ")+2*len("…") {
		t.Fatalf("Request shows %d bytes", len(got))
	}
	if got := Request("POST", "/v1/sign_in_tokens"); got != "POST /v1/sign_in_tokens" {
		t.Fatalf("Request = %q", got)
	}
}
