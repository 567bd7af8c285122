package logcap

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"supd/config"
)

const (
	fileMode = 0o640
	dirMode  = 0o755
)

// CheckWritable checks that a log file can be created (with its folder) and
// appended to: supd's check of every log destination before it starts any
// worker.
func CheckWritable(path string) error {
	f, err := create(path)
	if err != nil {
		return fmt.Errorf("checking log file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checking log file: %w", err)
	}
	return nil
}

func create(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileMode)
}

// file is a worker's log file: its raw lines, one per line, rotated at
// maxSize. It is written only under its Log's lock, from capture
// goroutines. While it fails, lines are not written (the ring keeps them);
// each batch tries again, and the failure is logged once per episode.
type file struct {
	name     string
	path     string // the worker's, for supd's log
	maxSize  int64
	maxFiles int
	compress bool
	logger   *slog.Logger

	f       *os.File // nil after a failure, until reopened
	size    int64
	failing bool
	rotated int // rotations so far
	rot     *rotations
}

func openFile(path string, cfg config.WorkerLogs, logger *slog.Logger) (*file, error) {
	f := &file{name: cfg.File, path: path, logger: logger, rot: &rotations{logger: logger, path: path}}
	f.setLimits(cfg)
	if err := f.open(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *file) setLimits(cfg config.WorkerLogs) {
	f.maxSize, f.maxFiles, f.compress = cfg.MaxSize, cfg.MaxFiles, cfg.Compress
}

func (f *file) open() error {
	fd, err := create(f.name)
	if err != nil {
		return err
	}
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return err
	}
	f.f, f.size = fd, st.Size()
	return nil
}

var writeBufs = sync.Pool{New: func() any { return new([]byte) }}

// write appends lines to the file, rotating first whenever the next line
// would take it past maxSize, with one write per batch between rotations. A
// cut piece is written as a line of its own: stdout and stderr share the
// file, so the rest of a cut line may come after lines of the other stream.
func (f *file) write(lines []Line) {
	if f.f == nil {
		if err := f.open(); err != nil {
			f.fail(err)
			return
		}
	}
	bp := writeBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 1<<20 {
			*bp = (*bp)[:0]
			writeBufs.Put(bp)
		}
	}()
	buf := (*bp)[:0]
	for _, ln := range lines {
		n := int64(len(ln.Text)) + 1
		if f.maxSize > 0 && f.size > 0 && f.size+n > f.maxSize {
			if _, err := f.f.Write(buf); err != nil {
				f.fail(err)
				return
			}
			buf = buf[:0]
			if err := f.rotate(); err != nil {
				f.fail(err)
				return
			}
		}
		buf = append(buf, ln.Text...)
		buf = append(buf, '\n')
		f.size += n
	}
	*bp = buf
	if _, err := f.f.Write(buf); err != nil {
		f.fail(err)
		return
	}
	if f.failing {
		f.failing = false
		f.logger.Info("log file writable again", "path", f.path, "file", f.name)
	}
}

// rotate moves the current file aside and opens a fresh one. Numbering
// (and compression) of the rotated files happens in order, in the
// background when it compresses, so that capture never waits on gzip.
func (f *file) rotate() error {
	if err := f.f.Close(); err != nil {
		f.f = nil
		return fmt.Errorf("rotating %s: %w", f.name, err)
	}
	f.f = nil
	if f.maxFiles <= 0 {
		if err := os.Remove(f.name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotating: %w", err)
		}
	} else {
		// Unique even across restarts of supd, in case one left a file.
		f.rotated++
		pending := fmt.Sprintf("%s.rotating.%d.%d", f.name, time.Now().UnixNano(), f.rotated)
		switch err := os.Rename(f.name, pending); {
		case errors.Is(err, fs.ErrNotExist):
			// Removed behind supd's back: nothing to keep.
		case err != nil:
			return fmt.Errorf("rotating: %w", err)
		default:
			f.rot.add(rotation{name: f.name, pending: pending, maxFiles: f.maxFiles, compress: f.compress})
		}
	}
	return f.open()
}

func (f *file) fail(err error) {
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
	if !f.failing {
		f.failing = true
		f.logger.Error("writing log file failed; lines stay in the ring", "path", f.path, "file", f.name, "err", err)
	}
}

// close closes the file and waits for pending rotations.
func (f *file) close() {
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
	f.rot.wait()
}

// rotation numbers one rotated file: it shifts <name>.1 … to <name>.2 …,
// dropping the one past maxFiles, and makes pending <name>.1 (or, gzipped,
// <name>.1.gz).
type rotation struct {
	name     string
	pending  string
	maxFiles int
	compress bool
}

// rotations runs rotation jobs one at a time, in order. A job that does not
// compress runs inline when none is queued (a few renames); otherwise one
// goroutine runs the queue and exits when it is empty.
type rotations struct {
	logger *slog.Logger
	path   string

	mu   sync.Mutex
	jobs []rotation
	done chan struct{} // non-nil while the goroutine runs
}

func (q *rotations) add(j rotation) {
	q.mu.Lock()
	if q.done == nil && !j.compress {
		q.mu.Unlock()
		q.run(j)
		return
	}
	q.jobs = append(q.jobs, j)
	if q.done == nil {
		q.done = make(chan struct{})
		go q.loop(q.done)
	}
	q.mu.Unlock()
}

func (q *rotations) loop(done chan struct{}) {
	defer close(done)
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			q.done = nil
			q.mu.Unlock()
			return
		}
		j := q.jobs[0]
		q.jobs = q.jobs[1:]
		q.mu.Unlock()
		q.run(j)
	}
}

// wait returns once no job is queued or running.
func (q *rotations) wait() {
	q.mu.Lock()
	done := q.done
	q.mu.Unlock()
	if done != nil {
		<-done
	}
}

func (q *rotations) run(j rotation) {
	if err := j.run(); err != nil {
		q.logger.Error("rotating log file failed", "path", q.path, "file", j.name, "err", err)
	}
}

func (j rotation) run() error {
	src := j.pending
	ext := ""
	if j.compress {
		// Compressed before the shift, so the numbered files stay a
		// consistent series while gzip runs. On failure the file is kept
		// uncompressed rather than lost.
		if err := gzipFile(j.pending, j.pending+".gz"); err != nil {
			os.Remove(j.pending + ".gz")
			if serr := j.shift(); serr != nil {
				return errors.Join(err, serr)
			}
			return errors.Join(err, rename(j.pending, j.name+".1"))
		}
		if err := os.Remove(j.pending); err != nil {
			return fmt.Errorf("rotating: %w", err)
		}
		src, ext = j.pending+".gz", ".gz"
	}
	if err := j.shift(); err != nil {
		return err
	}
	return rename(src, j.name+".1"+ext)
}

// shift renames <name>.i and <name>.i.gz to i+1, from the oldest, removing
// those at maxFiles.
func (j rotation) shift() error {
	var errs []error
	for i := j.maxFiles; i >= 1; i-- {
		for _, ext := range []string{"", ".gz"} {
			from := j.name + "." + strconv.Itoa(i) + ext
			var err error
			if i == j.maxFiles {
				err = os.Remove(from)
			} else {
				err = os.Rename(from, j.name+"."+strconv.Itoa(i+1)+ext)
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("rotating: %w", errors.Join(errs...))
	}
	return nil
}

func rename(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("rotating: %w", err)
	}
	return nil
}

func gzipFile(from, to string) (err error) {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fileMode)
	if err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("compressing: %w", cerr)
		}
	}()
	zw := gzip.NewWriter(out)
	if _, err := io.Copy(zw, in); err != nil {
		return fmt.Errorf("compressing %s: %w", from, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing %s: %w", from, err)
	}
	return nil
}
