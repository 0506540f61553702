package main

import (
	"context"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// validate loads the written document as the root package's tests do and validates it, examples
// included: spec-update never writes a spec the rest of the project would refuse.
func validate(spec []byte) error {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return fmt.Errorf("the extracted spec does not load: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return fmt.Errorf("the extracted spec does not validate: %w", err)
	}
	return nil
}
