package signintokens_test

import (
	"context"
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
