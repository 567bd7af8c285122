package importer

import (
	"errors"
	"strings"
)

// shlexer is Python's shlex.shlex in POSIX mode, the tokenizer supervisord
// splits its commands (shlex.split) and reads its environment lists with.
type shlexer struct {
	wordchars  string // ignored when whitespaceSplit
	commenters string
	split      bool // whitespace_split: a token ends only at whitespace
}

var (
	// shlexSplit is shlex.split(s): words separated by whitespace.
	shlexSplit = shlexer{split: true}
	// shlexEnv is the lexer of supervisord's dict_of_key_value_pairs.
	shlexEnv = shlexer{
		wordchars:  "abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_" + "ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ" + "/.+-():",
		commenters: "#",
	}
)

var (
	errNoClosingQuote = errors.New("no closing quotation")
	errNoEscaped      = errors.New("no escaped character")
)

const (
	shWhitespace = " \t\r\n"
	shQuotes     = `'"`
)

// tokens returns every token of s, as list(shlex) does.
func (l shlexer) tokens(s string) ([]string, error) {
	var out []string
	rs := []rune(s)
	i := 0
	var pushback []string
	for {
		if len(pushback) > 0 {
			out = append(out, pushback[0])
			pushback = pushback[1:]
			continue
		}
		tok, ok, push, err := l.read(rs, &i)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, tok)
		if push != "" {
			pushback = append(pushback, push)
		}
	}
}

// read is shlex.read_token: the next token, false at the end, and a
// punctuation character that ended a word, which comes next as a token.
func (l shlexer) read(rs []rune, i *int) (tok string, ok bool, push string, err error) {
	var b strings.Builder
	state := ' '
	escaped := 'a' // the state an escape returns to
	quoted := false
	in := func(r rune, set string) bool { return strings.ContainsRune(set, r) }
	word := func(r rune) bool { return l.split || in(r, l.wordchars) }
	for {
		if *i >= len(rs) {
			switch state {
			case '\'', '"':
				return "", false, "", errNoClosingQuote
			case '\\':
				return "", false, "", errNoEscaped
			}
			if b.Len() == 0 && !quoted {
				return "", false, "", nil
			}
			return b.String(), true, "", nil
		}
		r := rs[*i]
		*i++
		switch state {
		case ' ':
			switch {
			case in(r, shWhitespace):
				if b.Len() > 0 || quoted {
					return b.String(), true, "", nil
				}
			case in(r, l.commenters):
				skipLine(rs, i)
			case r == '\\':
				escaped, state = 'a', '\\'
			case word(r) && !in(r, shQuotes):
				b.WriteRune(r)
				state = 'a'
			case in(r, shQuotes):
				state = r
			default:
				return string(r), true, "", nil
			}
		case '\'', '"':
			quoted = true
			switch {
			case r == state:
				state = 'a'
			case r == '\\' && state == '"':
				escaped, state = state, '\\'
			default:
				b.WriteRune(r)
			}
		case '\\':
			// Within double quotes only the quote and the escape itself
			// may be escaped; elsewhere the backslash stays.
			if (escaped == '"' || escaped == '\'') && r != escaped && r != '\\' {
				b.WriteRune('\\')
			}
			b.WriteRune(r)
			state = escaped
		case 'a':
			switch {
			case in(r, shWhitespace):
				return b.String(), true, "", nil
			case in(r, l.commenters):
				skipLine(rs, i)
				return b.String(), true, "", nil
			case in(r, shQuotes):
				state = r
			case r == '\\':
				escaped, state = 'a', '\\'
			case word(r):
				b.WriteRune(r)
			default:
				return b.String(), true, string(r), nil
			}
		}
	}
}

func skipLine(rs []rune, i *int) {
	for *i < len(rs) && rs[*i] != '\n' {
		*i++
	}
	if *i < len(rs) {
		*i++
	}
}
