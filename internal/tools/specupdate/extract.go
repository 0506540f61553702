package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// httpMethods are the keys of a path item that hold operations (OpenAPI 3.0, in the spec's order).
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// componentSections is the order the sections of components are written in.
var componentSections = []string{
	"schemas", "responses", "parameters", "examples", "requestBodies",
	"headers", "securitySchemes", "links", "callbacks",
}

// operationRef is where one operation lives in the full document.
type operationRef struct {
	id, path, method string
	node             *yaml.Node
}

// missingOperationError names an operation the full document does not declare, with the
// operationIds that look like it, so a rename upstream is recognised at once.
type missingOperationError struct {
	id      string
	similar []string
}

func (e *missingOperationError) Error() string {
	msg := fmt.Sprintf("operation %s not found in the full spec: Clerk removed or renamed it", e.id)
	if len(e.similar) > 0 {
		msg += "; similar operationIds there: " + strings.Join(e.similar, ", ")
	}
	return msg + ". Nothing was written. If the rename is deliberate, update the operationIds this tool extracts, the overlay and the code that uses them together"
}

// findOperations locates each wanted operationId in the full document's paths.
func findOperations(root *yaml.Node, ids []string) ([]operationRef, error) {
	paths := mapGet(root, "paths")
	if paths == nil || paths.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the full spec has no paths")
	}
	byID := map[string]operationRef{}
	var all []string
	for i := 0; i+1 < len(paths.Content); i += 2 {
		path, item := paths.Content[i].Value, paths.Content[i+1]
		for _, method := range httpMethods {
			op := mapGet(item, method)
			if op == nil {
				continue
			}
			idNode := mapGet(op, "operationId")
			if idNode == nil {
				continue
			}
			if prev, dup := byID[idNode.Value]; dup {
				return nil, fmt.Errorf("operationId %s is declared twice (%s %s and %s %s)",
					idNode.Value, strings.ToUpper(prev.method), prev.path, strings.ToUpper(method), path)
			}
			byID[idNode.Value] = operationRef{id: idNode.Value, path: path, method: method, node: op}
			all = append(all, idNode.Value)
		}
	}
	var found []operationRef
	for _, id := range ids {
		ref, ok := byID[id]
		if !ok {
			return nil, &missingOperationError{id: id, similar: similarIDs(id, all)}
		}
		found = append(found, ref)
	}
	return found, nil
}

// similarIDs lists the operationIds that share the wanted one's noun (e.g. "SignInToken"), or
// equal it but for case.
func similarIDs(want string, all []string) []string {
	// CreateSignInToken -> signintoken: drop the leading verb (the first capitalised word).
	noun := ""
	for i := 1; i < len(want); i++ {
		if want[i] >= 'A' && want[i] <= 'Z' {
			noun = strings.ToLower(want[i:])
			break
		}
	}
	var out []string
	for _, id := range all {
		l := strings.ToLower(id)
		if strings.EqualFold(id, want) || (noun != "" && strings.Contains(l, noun)) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// extract builds the document holding only ops, the components they reach (transitively), the
// security schemes they use, the tags they carry and the full document's openapi, info,
// servers and security.
func extract(full *yaml.Node, ops []operationRef) (*yaml.Node, error) {
	out := newMapping()
	for _, key := range []string{"openapi", "info", "servers", "security"} {
		if v := mapGet(full, key); v != nil {
			mapSet(out, key, v)
		}
	}

	usedTags := map[string]bool{}
	paths := newMapping()
	for _, op := range ops {
		item := mapGet(paths, op.path)
		if item == nil {
			item = newMapping()
			// Path-level fields (parameters, summary, servers…) apply to every operation.
			src := mapGet(mapGet(full, "paths"), op.path)
			for i := 0; i+1 < len(src.Content); i += 2 {
				if !slices.Contains(httpMethods, src.Content[i].Value) {
					item.Content = append(item.Content, src.Content[i], src.Content[i+1])
				}
			}
			mapSet(paths, op.path, item)
		}
		mapSet(item, op.method, op.node)
		if tags := mapGet(op.node, "tags"); tags != nil {
			for _, t := range tags.Content {
				usedTags[t.Value] = true
			}
		}
	}

	if tags := mapGet(full, "tags"); tags != nil {
		kept := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, t := range tags.Content {
			if name := mapGet(t, "name"); name != nil && usedTags[name.Value] {
				kept.Content = append(kept.Content, t)
			}
		}
		if len(kept.Content) > 0 {
			mapSet(out, "tags", kept)
		}
	}
	mapSet(out, "paths", paths)

	components, err := reachableComponents(full, out)
	if err != nil {
		return nil, err
	}
	if len(components.Content) > 0 {
		mapSet(out, "components", components)
	}
	return out, nil
}

// reachableComponents collects, from full's components, every entry that doc refers to,
// following references inside those entries until nothing new is found, plus the security
// schemes doc's security requirements name.
func reachableComponents(full, doc *yaml.Node) (*yaml.Node, error) {
	fullComponents := mapGet(full, "components")
	type key struct{ section, name string }
	seen := map[key]bool{}
	var queue []*yaml.Node
	queue = append(queue, doc)

	var walkErr error
	enqueueRef := func(ref string) {
		if walkErr != nil {
			return
		}
		section, name, err := parseLocalRef(ref)
		if err != nil {
			walkErr = err
			return
		}
		k := key{section, name}
		if seen[k] {
			return
		}
		target := mapGet(mapGet(fullComponents, section), name)
		if target == nil {
			walkErr = fmt.Errorf("$ref %q points at nothing in the full spec", ref)
			return
		}
		seen[k] = true
		queue = append(queue, target)
	}
	enqueueScheme := func(name string) {
		k := key{"securitySchemes", name}
		if seen[k] {
			return
		}
		if mapGet(mapGet(fullComponents, "securitySchemes"), name) == nil {
			walkErr = fmt.Errorf("security requirement names scheme %q, which components.securitySchemes lacks", name)
			return
		}
		seen[k] = true
	}

	for len(queue) > 0 && walkErr == nil {
		n := queue[0]
		queue = queue[1:]
		walk(n, func(parentKey string, m *yaml.Node) {
			for i := 0; i+1 < len(m.Content); i += 2 {
				k, v := m.Content[i].Value, m.Content[i+1]
				switch {
				case k == "$ref" && v.Kind == yaml.ScalarNode:
					enqueueRef(v.Value)
				case k == "mapping" && parentKey == "discriminator" && v.Kind == yaml.MappingNode:
					for j := 1; j < len(v.Content); j += 2 {
						if strings.HasPrefix(v.Content[j].Value, "#/") {
							enqueueRef(v.Content[j].Value)
						}
					}
				case k == "security" && v.Kind == yaml.SequenceNode:
					for _, req := range v.Content {
						for j := 0; j < len(req.Content); j += 2 {
							enqueueScheme(req.Content[j].Value)
						}
					}
				}
			}
		})
	}
	if walkErr != nil {
		return nil, walkErr
	}

	out := newMapping()
	for _, section := range componentSections {
		var names []string
		for k := range seen {
			if k.section == section {
				names = append(names, k.name)
			}
		}
		if len(names) == 0 {
			continue
		}
		sort.Strings(names)
		sec := newMapping()
		for _, name := range names {
			mapSet(sec, name, mapGet(mapGet(fullComponents, section), name))
		}
		mapSet(out, section, sec)
	}
	return out, nil
}

// parseLocalRef splits "#/components/<section>/<name>" (JSON Pointer escapes decoded). Other
// references (another file, a URL, a pointer outside components) are refused: the extracted
// document must stand alone.
func parseLocalRef(ref string) (section, name string, err error) {
	if !strings.HasPrefix(ref, "#") {
		return "", "", fmt.Errorf("refused: external $ref %q (another file or a URL): spec-update reads Clerk's one file and fetches nothing else", ref)
	}
	rest, ok := strings.CutPrefix(ref, "#/components/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 2 || !slices.Contains(componentSections, parts[0]) {
		return "", "", fmt.Errorf("$ref %q is not a reference to a component of the same file; spec-update only follows those", ref)
	}
	unescape := strings.NewReplacer("~1", "/", "~0", "~")
	return parts[0], unescape.Replace(parts[1]), nil
}

// walk calls visit on every mapping node below n (n included), with the key the mapping sits under.
func walk(n *yaml.Node, visit func(parentKey string, m *yaml.Node)) {
	var rec func(parentKey string, n *yaml.Node)
	rec = func(parentKey string, n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				rec(parentKey, c)
			}
		case yaml.MappingNode:
			visit(parentKey, n)
			for i := 0; i+1 < len(n.Content); i += 2 {
				rec(n.Content[i].Value, n.Content[i+1])
			}
		}
	}
	rec("", n)
}

func newMapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }

// mapGet returns the value under key in mapping m, or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil {
		return nil
	}
	if m.Kind == yaml.DocumentNode && len(m.Content) == 1 {
		m = m.Content[0]
	}
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mapSet sets key to v in mapping m, in place if the key exists, else at the end.
func mapSet(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}
