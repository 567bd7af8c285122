package importer

import (
	"strconv"
	"strings"
	"time"
)

// lit turns literal text into supd text: supd expands ${VAR} and reads $$
// as $ in every string (SPEC §1), so a $ that comes before { or $ is
// doubled. Any other $ is left as it is, as supd leaves it.
func lit(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '$' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '$') {
			b.WriteByte('$')
		}
	}
	return b.String()
}

// instanceVar is how supd text names a replica's instance number (SPEC §2.10).
const instanceVar = "${SUPD_INSTANCE}"

// fmtDuration writes d in the largest whole unit, as a person would:
// 90s is 90s, 120s is 2m, 1500ms is 1500ms.
func fmtDuration(d time.Duration) string {
	switch {
	case d == Infinity:
		return "infinity"
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return d.String()
}

// seconds is n seconds as a duration.
func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// fmtSize writes a byte count in the largest whole binary unit.
func fmtSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// commentWidth is where notes wrap, not counting the indentation.
const commentWidth = 92

// wrap splits a note into comment lines of at most commentWidth characters,
// breaking at spaces; a word longer than the width stays whole.
func wrap(text string) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case len(line)+1+len(word) > commentWidth:
				lines = append(lines, line)
				line = word
			default:
				line += " " + word
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// andList renders words as "a, b and c" for notes.
func andList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
