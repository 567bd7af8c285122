package escape

import "testing"

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"", ""},
		{"a\tb", "a\tb"},
		{"\x1b[31mred\x1b[0m", "^[[31mred^[[0m"},
		{"\x1b]0;owned\x07", "^[]0;owned^G"},
		{"db | forged\r", "db | forged^M"},
		{"cr\rlf\n", "cr^Mlf^J"},
		{"del\x7f", "del^?"},
		{"nul\x00", "nul^@"},
		{"c1 \u009b2J", `c1 \u009b2J`},
		{"bidi \u202eevil", `bidi \u202eevil`},
		{"bad \xff\xfe utf-8", `bad \xff\xfe utf-8`},
		{"\x01", "^A"},
		{"héllo, 世界 ✓", "héllo, 世界 ✓"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkTextClean(b *testing.B) {
	s := "2026-12-02T14:00:00Z INFO GET /api/v1/things 200 1.2ms"
	for b.Loop() {
		_ = Text(s)
	}
}
