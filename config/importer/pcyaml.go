package importer

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// pcEntry is one key of a process-compose mapping.
type pcEntry struct {
	key  string
	k, v *yaml.Node
}

// deref follows an alias to its anchor.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// describeNode names a node's kind for messages.
func describeNode(n *yaml.Node) string {
	n = deref(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!null":
		return "null"
	}
	return fmt.Sprintf("%q", n.Value)
}

// entries returns a mapping's keys in order, merge keys (<<) resolved:
// the mapping's own keys win over merged ones, as YAML says.
func (c *pcImport) entries(n *yaml.Node, what string) []pcEntry {
	n = deref(n)
	if n == nil || n.ShortTag() == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "%s must be a mapping, got %s", what, describeNode(n))
		return nil
	}
	var own, merged []pcEntry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			src := deref(v)
			srcs := []*yaml.Node{src}
			if src != nil && src.Kind == yaml.SequenceNode {
				srcs = src.Content
			}
			for _, s := range srcs {
				for _, e := range c.entries(s, what) {
					if !hasKey(merged, e.key) {
						merged = append(merged, e)
					}
				}
			}
			continue
		}
		if hasKey(own, k.Value) {
			c.errorf(k, "%s: %s appears twice", what, k.Value)
			continue
		}
		own = append(own, pcEntry{key: k.Value, k: k, v: v})
	}
	for _, e := range merged {
		if !hasKey(own, e.key) {
			own = append(own, e)
		}
	}
	return own
}

func hasKey(es []pcEntry, key string) bool {
	for _, e := range es {
		if e.key == key {
			return true
		}
	}
	return false
}

func find(es []pcEntry, key string) (pcEntry, bool) {
	for _, e := range es {
		if e.key == key {
			return e, true
		}
	}
	return pcEntry{}, false
}

// scalar returns a scalar's text.
func (c *pcImport) scalar(n *yaml.Node, what string) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		c.errorf(n, "%s must be a value, got %s", what, describeNode(n))
		return "", false
	}
	return n.Value, true
}

// integer returns a scalar that is a whole number.
func (c *pcImport) integer(n *yaml.Node, what string) (int, bool) {
	s, ok := c.scalar(n, what)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		c.errorf(n, "%s must be a whole number, got %q", what, s)
		return 0, false
	}
	return v, true
}

// boolean reads YAML's true and false (and the yes/no/on/off that
// process-compose's YAML library also accepts).
func (c *pcImport) boolean(n *yaml.Node, what string) (bool, bool) {
	s, ok := c.scalar(n, what)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on", "y":
		return true, true
	case "false", "no", "off", "n":
		return false, true
	}
	c.errorf(n, "%s must be true or false, got %q", what, s)
	return false, false
}

// strings reads a list of scalars.
func (c *pcImport) list(n *yaml.Node, what string) ([]*yaml.Node, bool) {
	n = deref(n)
	if n == nil || n.ShortTag() == "!!null" {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		c.errorf(n, "%s must be a list, got %s", what, describeNode(n))
		return nil, false
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, item := range n.Content {
		items[i] = deref(item)
	}
	return items, true
}
