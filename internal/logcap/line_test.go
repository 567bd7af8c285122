package logcap

import (
	"slices"
	"strings"
	"testing"
)

type piece struct {
	text string
	cut  bool
}

func TestSplitter(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		chunks []string
		want   []piece
	}{
		{"one line", 8, []string{"abc\n"}, []piece{{"abc", false}}},
		{"several in a chunk", 8, []string{"a\nb\nc\n"}, []piece{{"a", false}, {"b", false}, {"c", false}}},
		{"empty lines", 8, []string{"\n\nx\n"}, []piece{{"", false}, {"", false}, {"x", false}}},
		{"line across chunks", 8, []string{"ab", "cd", "e\nf"}, []piece{{"abcde", false}, {"f", false}}},
		{"newline alone", 8, []string{"abc", "\n"}, []piece{{"abc", false}}},
		{"exactly max", 4, []string{"abcd\n"}, []piece{{"abcd", false}}},
		{"exactly max across chunks", 4, []string{"ab", "cd", "\n"}, []piece{{"abcd", false}}},
		{"max plus one", 4, []string{"abcde\n"}, []piece{{"abcd", true}, {"e", false}}},
		{"cut in one chunk", 4, []string{"abcdefghij\n"}, []piece{{"abcd", true}, {"efgh", true}, {"ij", false}}},
		{"cut across chunks", 4, []string{"abc", "def", "ghi", "j\n"}, []piece{{"abcd", true}, {"efgh", true}, {"ij", false}}},
		{"cut at exact multiple", 4, []string{"abcdefgh\n"}, []piece{{"abcd", true}, {"efgh", false}}},
		{"partial at eof", 8, []string{"a\nbc"}, []piece{{"a", false}, {"bc", false}}},
		{"long partial at eof", 4, []string{"abcdef"}, []piece{{"abcd", true}, {"ef", false}}},
		// "é" is 2 bytes: the cut backs off to keep it whole.
		{"utf8 kept whole", 4, []string{"abcé\n"}, []piece{{"abc", true}, {"é", false}}},
		{"utf8 4-byte rune", 4, []string{"a😀b\n"}, []piece{{"a", true}, {"😀", true}, {"b", false}}},
		{"not utf8 cut at max", 4, []string{"\x80\x80\x80\x80\x80\x80\n"}, []piece{{"\x80\x80\x80\x80", true}, {"\x80\x80", false}}},
		{"nothing", 8, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []piece
			emit := func(b string, cut bool) { got = append(got, piece{b, cut}) }
			sp := splitter{max: tt.max}
			for _, c := range tt.chunks {
				sp.feed([]byte(c), emit)
			}
			sp.flush(emit)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSplitterByteByByte feeds a mix of lines one byte at a time and checks
// that joining the pieces gives back the input.
func TestSplitterByteByByte(t *testing.T) {
	in := "short\n" + strings.Repeat("x", 25) + "\n\n" + strings.Repeat("y", 10) + "\nend"
	var got []piece
	sp := splitter{max: 10}
	emit := func(b string, cut bool) { got = append(got, piece{b, cut}) }
	for i := range len(in) {
		sp.feed([]byte{in[i]}, emit)
	}
	sp.flush(emit)
	var b strings.Builder
	for _, p := range got {
		if len(p.text) > 10 {
			t.Errorf("piece %q longer than max", p.text)
		}
		b.WriteString(p.text)
		if !p.cut {
			b.WriteByte('\n')
		}
	}
	if b.String() != in+"\n" {
		t.Errorf("rejoined %q, want %q", b.String(), in+"\n")
	}
}

// TestSplitterWhole checks what feed returns: the read's lines as one
// string with their newlines, only when that is exactly what it emitted.
func TestSplitterWhole(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		chunks []string
		want   []string // per feed
	}{
		{"whole lines", 8, []string{"a\nbc\n", "\n"}, []string{"a\nbc\n", "\n"}},
		{"partial after", 8, []string{"a\nb"}, []string{"a\n"}},
		{"partial before", 8, []string{"a", "b\nc\n"}, []string{"", ""}},
		{"no newline", 8, []string{"ab"}, []string{""}},
		{"a cut line", 4, []string{"ab\nabcdef\n"}, []string{""}},
		{"a cut partial", 4, []string{"ab\nabcdef"}, []string{""}},
		{"exactly max", 4, []string{"abcd\n"}, []string{"abcd\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := splitter{max: tt.max}
			var got []string
			for _, c := range tt.chunks {
				got = append(got, sp.feed([]byte(c), func(string, bool) {}))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("feeds returned %q, want %q", got, tt.want)
			}
		})
	}
}
