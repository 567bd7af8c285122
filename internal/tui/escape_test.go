package tui

import "testing"

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"", ""},
		{"\x1b[31mred\x1b[0m", "^[[31mred^[[0m"},
		{"\x1b]0;owned\x07", "^[]0;owned^G"},
		{"a\tb", "a    b"},
		{"cr\rlf\n", "cr^Mlf^J"},
		{"del\x7f", "del^?"},
		{"nul\x00", "nul^@"},
		{"c1 \u009b2J", `c1 \u009b2J`},
		{"bidi \u202eevil", `bidi \u202eevil`},
		{"bad \xff\xfe utf-8", `bad \xff\xfe utf-8`},
		{"héllo, 世界 ✓", "héllo, 世界 ✓"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
