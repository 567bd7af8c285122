package tui

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape makes text from a worker safe to draw: every control character
// is shown as text, never sent to the terminal. C0 controls and DEL are
// shown in caret notation as `cat -v` does (ESC is "^[", CR "^M"), a tab
// as four spaces, C1 controls and the bidirectional overrides (which would
// reorder what follows them) as "\u009b", bytes that are not UTF-8 as
// "\xff".
func Escape(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString("    ")
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + 0x40)
		case r == 0x7f:
			b.WriteString("^?")
		case r >= 0x80 && r <= 0x9f, bidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// bidi reports the Unicode controls that change the direction of the text
// after them.
func bidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}
