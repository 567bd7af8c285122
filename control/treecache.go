package control

import "sync"

// treeCache keeps the encoded body of GET /v1/tree for one tree version: a
// status poll of 1000 nodes costs a copy, not a conversion and an encoding,
// while nothing changes.
type treeCache struct {
	mu      sync.Mutex
	version uint64
	encoded []byte // nil until the first request
}

// body returns the encoded tree, encoding it again when b's version moved.
func (c *treeCache) body(b Backend) ([]byte, error) {
	v := b.TreeVersion()
	c.mu.Lock()
	if c.encoded != nil && c.version == v {
		body := c.encoded
		c.mu.Unlock()
		return body, nil
	}
	c.mu.Unlock()
	body, err := marshal(b.Tree())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.encoded == nil || v >= c.version {
		c.version, c.encoded = v, body
	}
	c.mu.Unlock()
	return body, nil
}
