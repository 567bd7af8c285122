package tui

import (
	"strings"

	"supd/internal/escape"
)

// Escape makes text from a worker safe to draw: every control character
// is shown as text, never sent to the terminal (escape.Text: "^[" for ESC,
// "\u009b" for a C1 control, "\xff" for a byte that is not UTF-8), and a
// tab, which escape.Text keeps, as four spaces, so that columns hold.
func Escape(s string) string {
	return strings.ReplaceAll(escape.Text(s), "\t", "    ")
}
