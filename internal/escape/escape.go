package escape

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text returns s with every control character but tab shown as text: C0
// controls and DEL in caret notation, as `cat -v` shows them (ESC is "^[",
// CR "^M"), C1 controls and the bidirectional overrides (which would
// reorder what follows them) as "\u009b", and bytes that are not UTF-8 as
// "\xff". Text without any of them is returned as it is, unallocated.
func Text(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\t':
			b.WriteByte('\t')
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + 0x40)
		case r == 0x7f:
			b.WriteString("^?")
		case r >= 0x80 && r <= 0x9f, bidi(r):
			b.WriteString(`\u`)
			b.WriteString(hex4(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean reports that s has nothing to escape: printable ASCII and tabs
// only, the common case, checked without decoding.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// bidi reports the Unicode controls that change the direction of the text
// after them.
func bidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

func hex2(c byte) string {
	s := strconv.FormatUint(uint64(c), 16)
	return strings.Repeat("0", 2-len(s)) + s
}

func hex4(r rune) string {
	s := strconv.FormatUint(uint64(r), 16)
	return strings.Repeat("0", 4-len(s)) + s
}
