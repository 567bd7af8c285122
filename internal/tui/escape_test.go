package tui

import "testing"

// Escape is escape.Text (tested there) with tabs as four spaces, so that
// a worker's text cannot move top's columns.
func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a\tb", "a    b"},
		{"\x1b[31mred\x1b[0m\tx", "^[[31mred^[[0m    x"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
