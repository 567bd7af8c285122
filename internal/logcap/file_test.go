package logcap

import (
	"compress/gzip"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"supd/config"
)

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "blocker")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr bool
	}{
		{"new nested folder", filepath.Join(dir, "a", "b", "w.log"), false},
		{"existing file", blocker, false},
		{"parent is a file", filepath.Join(blocker, "w.log"), true},
		{"path is a folder", dir, true},
		{"read-only filesystem", "/proc/self/supd-test.log", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckWritable(tt.path)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckWritable(%q) = %v, want error %v", tt.path, err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "checking log file: ") {
				t.Errorf("error %q does not say what it did", err)
			}
		})
	}
}

// TestFileRaw checks the file holds the raw lines of both streams, one per
// line, appended to what was there.
func TestFileRaw(t *testing.T) {
	name := filepath.Join(t.TempDir(), "logs", "web_api.log")
	os.MkdirAll(filepath.Dir(name), 0o755)
	os.WriteFile(name, []byte("from before\n"), 0o644)
	l := newLog(t, "web/api", config.WorkerLogs{File: name, MaxSize: 1 << 20, Ring: 1 << 20}, nil, nil)
	l.record(Stdout, texts("out 1", "", "out 2"), "")
	l.record(Stderr, []Line{{Text: "long", Cut: true}, {Text: "er"}}, "")
	l.Close()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if want := "from before\nout 1\n\nout 2\nlong\ner\n"; string(b) != want {
		t.Errorf("file = %q, want %q", b, want)
	}
}

// readLogFile returns the lines of a log file, gunzipping a .gz one.
func readLogFile(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

func lineRange(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("line-%02d", i))
	}
	return out
}

func TestFileRotation(t *testing.T) {
	// Each line is 8 bytes with its newline; 24 bytes make 3 lines a file.
	tests := []struct {
		name     string
		maxFiles int
		compress bool
		batch    int // lines per record call
		want     map[string][]string
	}{
		{"keep two", 2, false, 1, map[string][]string{
			"w.log": lineRange(10, 10), "w.log.1": lineRange(7, 9), "w.log.2": lineRange(4, 6)}},
		{"keep two, one batch", 2, false, 10, map[string][]string{
			"w.log": lineRange(10, 10), "w.log.1": lineRange(7, 9), "w.log.2": lineRange(4, 6)}},
		{"keep more than made", 5, false, 4, map[string][]string{
			"w.log": lineRange(10, 10), "w.log.1": lineRange(7, 9), "w.log.2": lineRange(4, 6), "w.log.3": lineRange(1, 3)}},
		{"keep none", 0, false, 1, map[string][]string{"w.log": lineRange(10, 10)}},
		{"compress", 2, true, 1, map[string][]string{
			"w.log": lineRange(10, 10), "w.log.1.gz": lineRange(7, 9), "w.log.2.gz": lineRange(4, 6)}},
		{"compress, one batch", 3, true, 10, map[string][]string{
			"w.log": lineRange(10, 10), "w.log.1.gz": lineRange(7, 9), "w.log.2.gz": lineRange(4, 6), "w.log.3.gz": lineRange(1, 3)}},
	}
	for _, tt := range tests {
		// As read from a pipe, a batch comes whole (the file may write it
		// as it is, unless a rotation splits it) or not.
		for _, whole := range []bool{false, true} {
			name := tt.name
			if whole {
				name += ", whole"
			}
			t.Run(name, func(t *testing.T) {
				checkRotation(t, tt.maxFiles, tt.compress, tt.batch, whole, tt.want)
			})
		}
	}
}

func checkRotation(t *testing.T, maxFiles int, compress bool, batch int, whole bool, want map[string][]string) {
	dir := t.TempDir()
	cfg := config.WorkerLogs{File: filepath.Join(dir, "w.log"), MaxSize: 24, MaxFiles: maxFiles, Compress: compress, Ring: 1 << 20}
	l := newLog(t, "w", cfg, nil, nil)
	all := lineRange(1, 10)
	for len(all) > 0 {
		n := min(batch, len(all))
		text := ""
		if whole {
			text = strings.Join(all[:n], "\n") + "\n"
		}
		l.record(Stdout, texts(all[:n]...), text)
		all = all[n:]
	}
	l.Close() // waits for compression
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	var wantNames []string
	for n := range want {
		wantNames = append(wantNames, n)
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Fatalf("files %q, want %q", names, wantNames)
	}
	for n, want := range want {
		if got := readLogFile(t, filepath.Join(dir, n)); !slices.Equal(got, want) {
			t.Errorf("%s = %q, want %q", n, got, want)
		}
	}
	if got := len(l.Tail(-1)); got != 10 {
		t.Errorf("ring has %d lines", got)
	}
}

// TestFileFailure breaks the log's folder while running: the failure is
// logged once, the ring keeps every line, the file comes back when the
// folder does, its episode ends (one line) once it has worked for sustain,
// and a second failure is logged again.
func TestFileFailure(t *testing.T) {
	rec := &recorder{}
	dir := filepath.Join(t.TempDir(), "logs")
	name := filepath.Join(dir, "w.log")
	cfg := config.WorkerLogs{File: name, MaxSize: 16, MaxFiles: 1, Ring: 1 << 20}
	l := newLog(t, "w", cfg, nil, slog.New(rec))
	now := time.Unix(1000, 0)
	l.file.ep.now = func() time.Time { return now }

	breakDir := func() {
		t.Helper()
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l.record(Stdout, texts("ok-1"), "")
	breakDir()
	// The open file still takes lines; the rotation at 16 bytes fails.
	for i := range 5 {
		l.record(Stdout, texts(fmt.Sprintf("lost-%d", i)), "")
	}
	if n := rec.count(slog.LevelError); n != 1 {
		t.Fatalf("%d errors logged in one episode, want 1", n)
	}
	os.Remove(dir)
	l.record(Stdout, texts("back"), "")
	if n := rec.count(slog.LevelInfo); n != 0 {
		t.Fatalf("%d recoveries logged at once, want none before %v", n, sustain)
	}
	now = now.Add(sustain)
	l.record(Stdout, texts("still"), "")
	if n := rec.count(slog.LevelInfo); n != 1 {
		t.Fatalf("%d recoveries logged after %v, want 1", n, sustain)
	}
	if got := readLogFile(t, name); !slices.Equal(got, []string{"back", "still"}) {
		t.Errorf("file after recovery = %q", got)
	}
	breakDir()
	for i := range 3 {
		l.record(Stdout, texts(fmt.Sprintf("again-%d", i)), "")
	}
	if n := rec.count(slog.LevelError); n != 2 {
		t.Fatalf("%d errors logged over two episodes, want 2", n)
	}
	if got := len(l.Tail(-1)); got != 11 {
		t.Errorf("ring has %d lines, want all 11", got)
	}
}
