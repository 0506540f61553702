package signintokens_test

import (
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/clerkgen/signintokens"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(signintokens.OpenAPISpec())
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	return doc
}

func TestSpecIsValidOpenAPI303(t *testing.T) {
	doc := loadSpec(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3 (Clerk publishes 3.0; 3.1 validation is much slower)", doc.OpenAPI)
	}
	// Examples are validated against their schemas, so every example in the spec is a real answer.
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.yaml does not validate: %v", err)
	}
}

func TestAPIVersionMatchesSpec(t *testing.T) {
	doc := loadSpec(t)
	if doc.Info.Version != signintokens.APIVersion {
		t.Fatalf("info.version = %q but APIVersion = %q: change both together", doc.Info.Version, signintokens.APIVersion)
	}
}

func TestSpecDeclaresBothOperations(t *testing.T) {
	doc := loadSpec(t)
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "https://api.clerk.com/v1" {
		t.Errorf("servers = %v, want the one Clerk Backend API base URL", doc.Servers)
	}
	scheme := doc.Components.SecuritySchemes["bearerAuth"]
	if scheme == nil || scheme.Value.Type != "http" || scheme.Value.Scheme != "bearer" {
		t.Errorf("bearerAuth security scheme missing or not http bearer")
	}
	for _, tc := range []struct {
		path, operationID string
		statuses          []string
	}{
		{"/sign_in_tokens", "CreateSignInToken", []string{"200", "401", "403", "404", "422", "429"}},
		{"/sign_in_tokens/{sign_in_token_id}/revoke", "RevokeSignInToken", []string{"200", "400", "401", "404", "429"}},
	} {
		item := doc.Paths.Value(tc.path)
		if item == nil || item.Post == nil {
			t.Errorf("POST %s missing", tc.path)
			continue
		}
		if item.Post.OperationID != tc.operationID {
			t.Errorf("POST %s operationId = %q, want %q", tc.path, item.Post.OperationID, tc.operationID)
		}
		for _, status := range tc.statuses {
			if item.Post.Responses.Value(status) == nil {
				t.Errorf("POST %s: no %s response", tc.path, status)
			}
		}
	}
}

func TestOpenAPISpecReturnsACopy(t *testing.T) {
	a := signintokens.OpenAPISpec()
	a[0] = 'X'
	if b := signintokens.OpenAPISpec(); b[0] == 'X' {
		t.Fatal("OpenAPISpec shares its bytes: a caller could change the spec for everyone")
	}
}

// The project's additions to Clerk's spec (from spec/overlay.yaml) are each marked, and say what
// the live API does: 401 with one example per cause, 429 with Retry-After.
func TestSpecMarksItsAdditions(t *testing.T) {
	doc := loadSpec(t)
	for _, path := range []string{"/sign_in_tokens", "/sign_in_tokens/{sign_in_token_id}/revoke"} {
		item := doc.Paths.Value(path)
		if item == nil || item.Post == nil {
			t.Errorf("POST %s missing", path)
			continue
		}
		op := item.Post
		for _, status := range []string{"401", "429"} {
			resp := op.Responses.Value(status)
			if resp == nil || resp.Value == nil || resp.Value.Extensions["x-signintokens-not-in-clerk-spec"] == nil {
				t.Errorf("POST %s %s: not marked x-signintokens-not-in-clerk-spec (it is not in Clerk's spec)", path, status)
			}
		}
	}
	unauthorized := doc.Components.Responses["AuthenticationInvalid"].Value.Content.Get("application/json")
	for example, code := range map[string]string{
		"clerk_key_invalid":                   "clerk_key_invalid",
		"authorization_header_format_invalid": "authorization_header_format_invalid",
	} {
		ex := unauthorized.Examples[example]
		if ex == nil || ex.Value == nil {
			t.Errorf("401: no %s example", example)
			continue
		}
		errs, _ := ex.Value.Value.(map[string]any)["errors"].([]any)
		if len(errs) != 1 || errs[0].(map[string]any)["code"] != code {
			t.Errorf("401 example %s: errors = %v, want one error with code %s", example, errs, code)
		}
	}
	if h := doc.Components.Responses["TooManyRequests"].Value.Headers["Retry-After"]; h == nil {
		t.Error("429 does not declare Retry-After")
	}
}

// The last release's contract, which make contract's gates compare against, is recorded whole:
// a valid spec, a semver version and the Go API of each gated package.
func TestReleasedContractIsRecorded(t *testing.T) {
	version, err := os.ReadFile("spec/released/VERSION")
	if err != nil {
		t.Fatalf("no released version: %v (make record-release VERSION=vX.Y.Z)", err)
	}
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+\n$`).Match(version) {
		t.Errorf("spec/released/VERSION = %q, want a semver version such as v0.1.0", version)
	}
	released, err := os.ReadFile("spec/released/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(released)
	if err == nil {
		err = doc.Validate(context.Background())
	}
	if err != nil {
		t.Errorf("spec/released/openapi.yaml does not load and validate: %v", err)
	}
	for _, pkg := range []string{"api", "gen", "clienttest"} {
		if _, err := os.Stat("spec/released/go/" + pkg + ".export"); err != nil {
			t.Errorf("no released Go API for %s: %v", pkg, err)
		}
	}
}
