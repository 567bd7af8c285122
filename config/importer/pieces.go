package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// text is a value of the source after its own expansion, in pieces: literal
// text, a variable of supd's environment, or a replica's instance number.
// The last two are known only when supd runs.
type text []piece

type piece struct {
	lit  string
	env  string // a variable of supd's environment, inserted as it is
	def  *text  // with env: the text written when the variable is unset (${NAME:-def})
	inst *instance
}

// instance is a replica's number as the source formats it: SUPD_INSTANCE
// plus offset, written with a printf verb such as %d or %02d.
type instance struct {
	offset int
	verb   string
}

// plain reports whether the instance number is written as supd writes it.
func (i *instance) plain() bool { return i.offset == 0 && (i.verb == "%d" || i.verb == "%s") }

func literal(s string) text { return text{{lit: s}} }

// textBuilder builds a text, joining runs of literal text into one piece.
type textBuilder struct {
	t   text
	lit strings.Builder
}

func (b *textBuilder) byte(c byte) { b.lit.WriteByte(c) }

func (b *textBuilder) add(p piece) {
	if p.env == "" && p.inst == nil {
		b.lit.WriteString(p.lit)
		return
	}
	b.flush()
	b.t = append(b.t, p)
}

func (b *textBuilder) flush() {
	if b.lit.Len() > 0 {
		b.t = append(b.t, piece{lit: b.lit.String()})
		b.lit.Reset()
	}
}

// text returns what was built; an empty text is one empty piece.
func (b *textBuilder) text() text {
	b.flush()
	if len(b.t) == 0 {
		return text{{}}
	}
	return b.t
}

// String is the text with its runtime pieces shown as the source wrote
// them, for messages.
func (t text) String() string {
	var b strings.Builder
	for _, p := range t {
		switch {
		case p.inst != nil:
			b.WriteString("%(process_num)" + strings.TrimPrefix(p.inst.verb, "%"))
		case p.env != "":
			b.WriteString("%(ENV_" + p.env + ")s")
		default:
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

// static returns the text when it holds no runtime piece.
func (t text) static() (string, bool) {
	var b strings.Builder
	for _, p := range t {
		if p.inst != nil || p.env != "" {
			return "", false
		}
		b.WriteString(p.lit)
	}
	return b.String(), true
}

// hasInstance reports whether the text holds an instance number.
func (t text) hasInstance() bool {
	for _, p := range t {
		if p.inst != nil {
			return true
		}
	}
	return false
}

// supd renders the text as supd text. ok is false when an instance number
// is formatted in a way only a shell can compute; it is then written as
// supd's plain ${SUPD_INSTANCE}.
func (t text) supd() (s string, ok bool) {
	var b strings.Builder
	ok = true
	for _, p := range t {
		switch {
		case p.inst != nil:
			ok = ok && p.inst.plain()
			b.WriteString(instanceVar)
		case p.env != "" && p.def != nil:
			d, good := p.def.supd()
			ok = ok && good
			b.WriteString("${" + p.env + ":-" + d + "}")
		case p.env != "":
			b.WriteString("${" + p.env + "}")
		default:
			b.WriteString(lit(p.lit))
		}
	}
	return b.String(), ok
}

// shell renders the text as one word of a /bin/sh command, itself supd
// text: literal runs single-quoted, variables and instance numbers left
// for the shell to insert.
func (t text) shell() string {
	var b strings.Builder
	for _, p := range t {
		switch {
		case p.inst != nil:
			b.WriteString(p.inst.shell())
		case p.env != "":
			// $NAME, not ${NAME}, which supd itself would expand.
			b.WriteString(`"$` + p.env + `"`)
		default:
			b.WriteString(lit(shellQuote(p.lit)))
		}
	}
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

func (i *instance) shell() string {
	n := "$SUPD_INSTANCE"
	if i.offset != 0 {
		n = fmt.Sprintf("$((SUPD_INSTANCE + %d))", i.offset)
	}
	if i.verb == "%d" || i.verb == "%s" {
		return `"` + n + `"`
	}
	return fmt.Sprintf(`"$(printf '%s' "%s")"`, i.verb, n)
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for /bin/sh where it needs it.
func shellQuote(s string) string {
	if s == "" {
		return ""
	}
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// placeholder stands for a runtime piece while a text goes through a
// tokenizer: made of characters every tokenizer here reads as part of a
// word, and unlikely in a real config.
func placeholder(i int) string { return "ßß" + strconv.Itoa(i) + "ßß" }

var placeholderRE = regexp.MustCompile(`ßß([0-9]+)ßß`)

// flatten writes t as a string with placeholders for its runtime pieces.
func (t text) flatten() (string, []piece) {
	var b strings.Builder
	var held []piece
	for _, p := range t {
		if p.inst != nil || p.env != "" {
			b.WriteString(placeholder(len(held)))
			held = append(held, p)
			continue
		}
		b.WriteString(p.lit)
	}
	return b.String(), held
}

// unflatten turns a token of a flattened text back into a text.
func unflatten(s string, held []piece) text {
	var t text
	last := 0
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(s, -1) {
		i, _ := strconv.Atoi(s[m[2]:m[3]])
		if i >= len(held) {
			continue
		}
		if m[0] > last {
			t = append(t, piece{lit: s[last:m[0]]})
		}
		t = append(t, held[i])
		last = m[1]
	}
	if last < len(s) || len(t) == 0 {
		t = append(t, piece{lit: s[last:]})
	}
	return t
}
