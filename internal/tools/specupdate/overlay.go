package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"
)

// applyOverlay applies the project's reviewed additions (an OpenAPI Overlay document) to doc.
// Strict mode: an action whose target matches nothing is an error, so an addition never silently
// stops applying because Clerk renamed what it hangs on.
func applyOverlay(doc *yaml.Node, overlayYAML []byte) error {
	o, err := overlay.ParseReader(bytes.NewReader(overlayYAML))
	if err != nil {
		return fmt.Errorf("parse overlay: %w", err)
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("overlay is not a valid OpenAPI Overlay document: %w", err)
	}
	root := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}
	warnings, err := o.ApplyToStrict(root)
	if err != nil {
		return fmt.Errorf("apply overlay: %w", err)
	}
	if len(warnings) > 0 {
		return fmt.Errorf("overlay applied with warnings (fix the overlay): %s", strings.Join(warnings, "; "))
	}
	return nil
}
