package main

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"
)

// The canonical form makes the written openapi.yaml a function of the extracted content only:
// neither the order Clerk lists its components in, nor its quoting, nor comments reach the
// output, so taking the same spec twice (or a spec that only moved things around) changes no
// byte of openapi.yaml.

// rootOrder and infoOrder follow the OpenAPI 3.0 specification's own order of fields.
var (
	rootOrder = []string{"openapi", "info", "servers", "security", "tags", "paths", "components"}
	infoOrder = []string{"title", "summary", "description", "termsOfService", "contact", "license", "version"}
)

// canonicalize orders doc's keys, drops styles and comments, and returns the encoded YAML.
func canonicalize(doc *yaml.Node) ([]byte, error) {
	reorder(doc, rootOrder)
	reorder(mapGet(doc, "info"), infoOrder)
	if paths := mapGet(doc, "paths"); paths != nil {
		for i := 1; i < len(paths.Content); i += 2 {
			for _, method := range httpMethods {
				if op := mapGet(paths.Content[i], method); op != nil {
					sortResponses(mapGet(op, "responses"))
				}
			}
		}
	}
	if components := mapGet(doc, "components"); components != nil {
		reorder(components, componentSections)
		for i := 1; i < len(components.Content); i += 2 {
			sortKeys(components.Content[i], func(a, b string) bool { return a < b })
		}
	}
	plain(doc)

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode openapi.yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode openapi.yaml: %w", err)
	}
	return buf.Bytes(), nil
}

// reorder puts the keys named in order first, in that order; the others follow as they were.
func reorder(m *yaml.Node, order []string) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	rank := func(k string) int {
		if i := slices.Index(order, k); i >= 0 {
			return i
		}
		return len(order)
	}
	sortKeys(m, func(a, b string) bool { return rank(a) < rank(b) })
}

// sortResponses orders status codes numerically, ranges ("4XX") after their codes, default last.
func sortResponses(m *yaml.Node) {
	weight := func(code string) int {
		if n, err := strconv.Atoi(code); err == nil {
			return n * 10
		}
		if len(code) == 3 && code[1:] == "XX" && code[0] >= '1' && code[0] <= '5' {
			return int(code[0]-'0')*1000 + 999
		}
		return 1 << 30 // default, extensions
	}
	sortKeys(m, func(a, b string) bool { return weight(a) < weight(b) })
}

// sortKeys stably sorts mapping m's key/value pairs by less on the keys.
func sortKeys(m *yaml.Node, less func(a, b string) bool) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	type pair struct{ k, v *yaml.Node }
	pairs := make([]pair, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		pairs = append(pairs, pair{m.Content[i], m.Content[i+1]})
	}
	sort.SliceStable(pairs, func(i, j int) bool { return less(pairs[i].k.Value, pairs[j].k.Value) })
	m.Content = m.Content[:0]
	for _, p := range pairs {
		m.Content = append(m.Content, p.k, p.v)
	}
}

// plain drops quoting/block styles, flow style, anchors and comments everywhere (parseBounded
// has already replaced each alias with what it names), so the encoder picks
// one style per value (plain where YAML allows, a literal block for multi-line text).
func plain(n *yaml.Node) {
	n.Style = 0
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	n.Anchor = ""
	for _, c := range n.Content {
		plain(c)
	}
}
