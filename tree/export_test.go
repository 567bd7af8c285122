package tree

// Owners is how many owner goroutines run, for tests that check that a
// reload ends the owners of what it removed.
func (t *Tree) Owners() int { return int(t.owners.Load()) }
