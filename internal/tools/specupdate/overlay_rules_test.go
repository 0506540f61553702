package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// constraintKeywords are the schema and parameter keywords that make a request or an answer
// invalid that Clerk's file would accept: adding one is a [stricter] rule (or part of an
// [answer]), which the overlay's review rules say must carry the marker.
var constraintKeywords = []string{
	"required", "minLength", "maxLength", "pattern", "format", "enum", "minimum", "maximum",
	"exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems",
	"minProperties", "maxProperties", "additionalProperties", "nullable", "type", "allowEmptyValue",
}

// overlayProblems reads an overlay as its review rules (spec/overlay.yaml's header) demand:
// every constraint an update adds sits under a mapping carrying the marker, with its kind; and
// no update creates a property (a "properties" key), so one Clerk drops is never put back.
// Examples and descriptions are values, not rules, and are not read.
func overlayProblems(overlayYAML []byte) ([]string, error) {
	var doc struct {
		Actions []struct {
			Target string    `yaml:"target"`
			Update yaml.Node `yaml:"update"`
		} `yaml:"actions"`
	}
	if err := yaml.Unmarshal(overlayYAML, &doc); err != nil {
		return nil, err
	}
	var problems []string
	var walk func(target, at string, n *yaml.Node, marked bool)
	walk = func(target, at string, n *yaml.Node, marked bool) {
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				walk(target, at+"[]", c, marked)
			}
		}
		if n.Kind != yaml.MappingNode {
			return
		}
		if m := mapGet(n, notInClerkSpec); m != nil && strings.HasPrefix(m.Value, "[") {
			marked = true
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i].Value, n.Content[i+1]
			switch {
			case key == "example" || key == "examples" || key == "description" || key == "summary" || key == notInClerkSpec:
				continue
			case key == "properties":
				problems = append(problems, fmt.Sprintf("%s: update%s creates properties; the overlay never creates a property (one Clerk drops must stay dropped)", target, at))
			case slices.Contains(constraintKeywords, key) && !marked:
				problems = append(problems, fmt.Sprintf("%s: update%s.%s adds a constraint without %s", target, at, key, notInClerkSpec))
			}
			walk(target, at+"."+key, value, marked)
		}
	}
	for _, a := range doc.Actions {
		walk(a.Target, "", &a.Update, false)
	}
	return problems, nil
}

// TestEveryStricterRuleIsMarked checks the additions it names in openapi.yaml; this reads every
// action of the overlay, so a constraint added tomorrow without its marker (or a property put
// back) is caught too. Each planted mistake below must be found.
func TestOverlayFollowsItsReviewRules(t *testing.T) {
	overlay := string(readFile(t, overlayFile))
	problems, err := overlayProblems([]byte(overlay))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("spec/overlay.yaml: %s", p)
	}
	for name, planted := range map[string]string{
		"an unmarked maxLength": `
  - description: "[stricter] org_id is short."
    target: $.components.schemas.CreateSignInTokenRequest.properties.org_id
    update:
      maxLength: 64
`,
		"an unmarked required": `
  - target: $.paths.*[?@.operationId == 'RevokeSignInToken'].parameters[?@.name == 'sign_in_token_id']
    update:
      required: true
`,
		"a property put back, marked": `
  - target: $.components.schemas.CreateSignInTokenRequest
    update:
      x-signintokens-not-in-clerk-spec: "[stricter] org_id as the live API takes it"
      properties:
        org_id:
          type: string
`,
	} {
		problems, err := overlayProblems([]byte(overlay + planted))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(problems) == 0 {
			t.Errorf("%s: not found by the check", name)
		}
	}
}
