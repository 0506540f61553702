package main

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// The YAML parser holds every node of a document in memory (about 250 bytes each), and an alias
// is a pointer that code walking the tree follows as if it were a copy. So a small file can still
// exhaust memory (a dense 10 MiB file is millions of nodes) or time (an alias bomb: each level
// refers to the previous one twice), or never end (an alias inside what it names). parseBounded
// refuses all three before anything walks the tree.
const (
	// maxNodes bounds the nodes of a document, estimated before parsing. Clerk's
	// bapi/2026-05-12.yml estimates at about 42,000 (37,621 real), so 400,000 leaves room for
	// growth and keeps the parser under about 100 MiB.
	maxNodes = 400_000
	// maxAliasNodes bounds the nodes aliases add when expanded. Clerk's files use no alias; a
	// hand-edited spec may share a few schemas.
	maxAliasNodes = 10_000
)

// estimateNodes is an upper bound on the nodes yaml.v3 makes of data, from the characters every
// node but the first needs beside it: a mapping entry's ':' (its key and value), a block sequence
// entry's '-', a flow collection's '[', '{' and ',' and an explicit key's '?'. Characters inside
// strings only raise the estimate.
func estimateNodes(data []byte) int {
	pairs := 0
	for _, c := range []byte(":,?[{") {
		pairs += bytes.Count(data, []byte{c})
	}
	return 2 + 2*pairs + bytes.Count(data, []byte("-"))
}

// parseBounded parses one YAML document within the bounds above and returns its root with every
// alias replaced by the node it names (shared, not copied), so the rest of the tool walks a tree
// of known size with no alias in it.
func parseBounded(data []byte) (*yaml.Node, error) {
	if n := estimateNodes(data); n > maxNodes {
		return nil, fmt.Errorf("refused: up to %d YAML nodes, more than the %d this tool reads (Clerk's specs have under 50,000); not one of Clerk's specs?", n, maxNodes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not YAML: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not an OpenAPI document (no top-level mapping)")
	}
	if err := checkAliases(&doc); err != nil {
		return nil, err
	}
	resolveAliases(&doc)
	return doc.Content[0], nil
}

// checkAliases refuses an alias that refers to a node containing it (recursion), and aliases
// that would add more than maxAliasNodes nodes when expanded. It visits each node once: sizes
// are memoised and capped, so an alias bomb costs what its file holds, not what it expands to.
func checkAliases(doc *yaml.Node) error {
	const visiting = -1
	size := map[*yaml.Node]int{} // expanded size, capped at limit; visiting while on the stack
	limit := maxNodes + maxAliasNodes + 1
	parsed, aliases := 0, 0
	var measure func(n *yaml.Node) (int, error)
	measure = func(n *yaml.Node) (int, error) {
		if s, ok := size[n]; ok {
			if s == visiting {
				return 0, fmt.Errorf("refused: the YAML alias at line %d refers to a node that contains it (alias recursion)", n.Line)
			}
			return s, nil
		}
		size[n] = visiting
		s := 1
		if n.Kind == yaml.AliasNode {
			aliases++
			if n.Alias == nil {
				return 0, fmt.Errorf("refused: the YAML alias at line %d names no anchor", n.Line)
			}
			t, err := measure(n.Alias)
			if err != nil {
				return 0, err
			}
			s = t
		} else {
			parsed++
			for _, c := range n.Content {
				t, err := measure(c)
				if err != nil {
					return 0, err
				}
				s = min(s+t, limit)
			}
		}
		size[n] = s
		return s, nil
	}
	total, err := measure(doc)
	if err != nil {
		return err
	}
	if total-parsed > maxAliasNodes {
		return fmt.Errorf("refused: its %d YAML aliases expand to more than %d nodes (an alias bomb?); Clerk's specs use none", aliases, maxAliasNodes)
	}
	return nil
}

// resolveAliases replaces each alias with the node it names, in place. checkAliases has ruled
// out recursion, so this ends.
func resolveAliases(n *yaml.Node) {
	for i, c := range n.Content {
		for c.Kind == yaml.AliasNode {
			c = c.Alias
		}
		n.Content[i] = c
		resolveAliases(c)
	}
}
