package config

import (
	"iter"
	"strings"
)

// All yields every node below the root with its path ("web/api"; the root's
// children have no prefix), depth first in start order, each supervisor
// before its children. The root itself has no path and is c.Root.
func (c *Config) All() iter.Seq2[string, Node] {
	return func(yield func(string, Node) bool) {
		if c.Root != nil {
			walk(c.Root, "", yield)
		}
	}
}

func walk(s *Supervisor, parent string, yield func(string, Node) bool) bool {
	for _, n := range s.Children {
		path := JoinPath(parent, n.Name())
		if !yield(path, n) {
			return false
		}
		if n.Supervisor != nil && !walk(n.Supervisor, path, yield) {
			return false
		}
	}
	return true
}

// Walk calls fn for every node below the root, in the order of All.
func (c *Config) Walk(fn func(path string, n Node)) {
	for path, n := range c.All() {
		fn(path, n)
	}
}

// Workers yields every worker with its path, in the order of All.
func (c *Config) Workers() iter.Seq2[string, *Worker] {
	return func(yield func(string, *Worker) bool) {
		for path, n := range c.All() {
			if n.Worker != nil && !yield(path, n.Worker) {
				return
			}
		}
	}
}

// Lookup returns the node at path. The empty path is the root.
func (c *Config) Lookup(path string) (Node, bool) {
	if c.Root == nil {
		return Node{}, false
	}
	node := Node{Supervisor: c.Root}
	if path == "" {
		return node, true
	}
	for name := range strings.SplitSeq(path, "/") {
		if node.Supervisor == nil {
			return Node{}, false
		}
		found := false
		for _, child := range node.Supervisor.Children {
			if child.Name() == name {
				node, found = child, true
				break
			}
		}
		if !found {
			return Node{}, false
		}
	}
	return node, true
}
