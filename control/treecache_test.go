package control

import (
	"bytes"
	"testing"

	"supd/control/api"
)

// The encoded tree is kept while the version stays, and made again when it
// moves.
func TestTreeCache(t *testing.T) {
	fb := newFakeBackend()
	fb.fixedVersion = 7
	fb.tree = api.Tree{Root: api.Node{Kind: api.KindSupervisor, State: api.StateRunning}}
	var c treeCache
	first, err := c.body(fb)
	if err != nil {
		t.Fatal(err)
	}
	fb.tree.Root.State = api.StateStopping // the backend's tree moved, its version did not (yet)
	if same, _ := c.body(fb); !bytes.Equal(same, first) {
		t.Fatal("encoded again although the version stayed")
	}
	fb.fixedVersion = 8
	next, _ := c.body(fb)
	if bytes.Equal(next, first) || !bytes.Contains(next, []byte(`"stopping"`)) {
		t.Fatalf("the new version's body is %s", next)
	}
}
