package logcap

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxLine is the longest text one Line holds. A longer line is cut into
// pieces of at most MaxLine bytes (at a UTF-8 boundary when the text is
// UTF-8); every piece but the last has Cut set. Nothing is dropped.
const MaxLine = 64 << 10

// Stream says which pipe a line came from.
type Stream uint8

const (
	Stdout Stream = 1
	Stderr Stream = 2
)

func (s Stream) String() string {
	switch s {
	case Stdout:
		return "stdout"
	case Stderr:
		return "stderr"
	}
	return "unknown"
}

// Line is one line a worker printed, or, when Lagged is non-zero, a marker
// telling a follower that it fell behind.
type Line struct {
	// Seq numbers the lines of one worker's Log from 1, one by one, across
	// all runs of the worker; a reader that saw Seq s has seen every line up
	// to s. It is 0 on a lag marker.
	Seq    uint64
	Time   time.Time // when supd read it
	Path   string    // the worker's path, e.g. "web/api"
	Stream Stream
	Text   string // without its newline
	// Cut says the line was longer than MaxLine: its text continues in the
	// next line of the same stream.
	Cut bool
	// Lagged, on a marker, counts the lines dropped for this follower since
	// the last line it received.
	Lagged uint64
}

// splitter turns a byte stream into lines. It keeps an unfinished line
// between feeds and cuts it into pieces once it is known to exceed max.
type splitter struct {
	max     int
	partial []byte
}

// feed splits data into lines and calls emit for each complete line and
// each cut piece. The lines that data holds whole share one string, made
// with one copy per feed rather than one per line. feed returns that string
// when it is exactly the lines emitted, each with its newline (nothing was
// pending from before and nothing was cut): a file can take it as it is.
func (s *splitter) feed(data []byte, emit func(text string, cut bool)) (whole string) {
	plain := true
	if len(s.partial) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			s.partial = append(s.partial, data...)
			s.cutPartial(emit)
			return ""
		}
		s.partial = append(s.partial, data[:i]...)
		s.emitLine(string(s.partial), emit)
		s.resetPartial()
		data = data[i+1:]
		plain = false
	}
	if last := bytes.LastIndexByte(data, '\n'); last >= 0 {
		whole = string(data[:last+1])
		for rest := whole; len(rest) > 0; {
			i := strings.IndexByte(rest, '\n')
			if i > s.max {
				plain = false
			}
			s.emitLine(rest[:i], emit)
			rest = rest[i+1:]
		}
		data = data[last+1:]
	}
	if len(data) > 0 {
		s.partial = append(s.partial, data...)
		if len(s.partial) > s.max {
			plain = false
		}
		s.cutPartial(emit)
	}
	if !plain {
		return ""
	}
	return whole
}

// emitLine emits a complete line, in pieces of at most max bytes.
func (s *splitter) emitLine(line string, emit func(text string, cut bool)) {
	for len(line) > s.max {
		n := cutAt(line, s.max)
		emit(line[:n], true)
		line = line[n:]
	}
	emit(line, false)
}

// flush emits the unfinished line, if any: a last line without newline is
// still a line.
func (s *splitter) flush(emit func(text string, cut bool)) {
	if len(s.partial) > 0 {
		emit(string(s.partial), false)
	}
	s.partial = nil
}

// cutPartial emits pieces of the unfinished line while it is longer than
// max. A line of exactly max bytes stays whole: its newline may come next.
func (s *splitter) cutPartial(emit func(text string, cut bool)) {
	p := s.partial
	for len(p) > s.max {
		n := cutAt(p, s.max)
		emit(string(p[:n]), true)
		p = p[n:]
	}
	if len(p) < len(s.partial) {
		s.partial = append(s.partial[:0], p...)
	}
}

// resetPartial empties the unfinished line, letting a large buffer go so
// that an idle worker does not pin the memory of its longest line.
func (s *splitter) resetPartial() {
	if cap(s.partial) > 4<<10 {
		s.partial = nil
		return
	}
	s.partial = s.partial[:0]
}

// cutAt returns where to cut b, which is longer than max: at max, or a few
// bytes earlier so as not to split a UTF-8 sequence.
func cutAt[T string | []byte](b T, max int) int {
	for n := max; n > max-utf8.UTFMax && n > 0; n-- {
		if utf8.RuneStart(b[n]) {
			return n
		}
	}
	return max
}
