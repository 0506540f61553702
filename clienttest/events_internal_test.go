package clienttest

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
)

// TestViolationKindsAreTheControlAPIs: the kinds ExpectViolations takes are the ones the
// control API's document lists, so a kind added to one is added to the other.
func TestViolationKindsAreTheControlAPIs(t *testing.T) {
	doc, _, err := loadSpec("control.yaml", controlSpec)
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, v := range doc.Components.Schemas["ViolationKind"].Value.Enum {
		documented = append(documented, v.(string))
	}
	var kinds []string
	for _, k := range violationKinds {
		kinds = append(kinds, string(k))
	}
	if !slices.Equal(documented, kinds) {
		t.Fatalf("control.yaml lists %v; clienttest has %v", documented, kinds)
	}
	var counts []string
	for name := range doc.Components.Schemas["Counts"].Value.Properties {
		counts = append(counts, name)
	}
	slices.Sort(counts)
	if required := slices.Sorted(slices.Values(doc.Components.Schemas["Counts"].Value.Required)); !slices.Equal(required, counts) {
		t.Fatalf("control.yaml's Counts requires %v of %v: every count is always sent", required, counts)
	}
	data, _ := json.Marshal(Counts{})
	var fields map[string]int
	json.Unmarshal(data, &fields)
	want := slices.Sorted(maps.Keys(fields))
	if !slices.Equal(counts, want) {
		t.Fatalf("control.yaml's Counts has %v, Counts' JSON %v", counts, want)
	}
}
