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
	"supd/internal/safefs"
)

// CheckWritable checks that a log file can be created (with its folder) and
// appended to, and that supd may trust it (see folder): supd's check of
// every log destination before it starts any worker.
func CheckWritable(path string) error {
	d, name, err := openFolder(path)
	if err != nil {
		return fmt.Errorf("checking log file: %w", err)
	}
	defer d.close()
	f, err := d.openLog(name, false)
	if err != nil {
		return fmt.Errorf("checking log file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checking log file: %w", err)
	}
	return nil
}

// CheckExisting judges what exists of the log destination path, making
// nothing: its folder, when there is one, and the file, when there is one
// (`supd check`). A missing folder is made by supd, its own.
func CheckExisting(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = safefs.Folder(dir, fi, os.Geteuid())
	}
	if err != nil {
		return fmt.Errorf("log folder %w", err)
	}
	fi, err = os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = safefs.File(path, fi, os.Geteuid())
	}
	if err != nil {
		return fmt.Errorf("log file %w", err)
	}
	return nil
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
	rotated int // rotations so far
	rot     *rotations
	ep      *episode // its failures, and its rotations'

	testHookRenamed func() // called after the rename of a rotation
}

func openFile(path string, cfg config.WorkerLogs, logger *slog.Logger) (*file, error) {
	ep := newEpisode()
	f := &file{name: cfg.File, path: path, logger: logger, ep: ep, rot: &rotations{logger: logger, path: path, ep: ep}}
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
	d, name, err := openFolder(f.name)
	if err != nil {
		return err
	}
	defer d.close()
	return f.openIn(d, name, false)
}

// openIn opens the file in its folder d; fresh says it must be new.
func (f *file) openIn(d *folder, name string, fresh bool) error {
	fd, err := d.openLog(name, fresh)
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
//
// whole, when not "", is the batch's text as the file takes it (see
// Log.record): written as it is, without a copy, unless it must be split
// by a rotation.
func (f *file) write(lines []Line, whole string) {
	if f.f == nil {
		if err := f.open(); err != nil {
			f.fail(err)
			return
		}
	}
	if n := int64(len(whole)); n > 0 && (f.maxSize <= 0 || f.size+n <= f.maxSize) {
		f.size += n
		f.finish(f.f.WriteString(whole))
		return
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
	f.finish(f.f.Write(buf))
}

// finish ends a batch's write: a failure, or the end of an episode of them.
func (f *file) finish(_ int, err error) {
	if err != nil {
		f.fail(err)
		return
	}
	if ended, failures := f.ep.ok(); ended {
		f.logger.Info("log file writable again", "path", f.path, "file", f.name, "failures", failures)
	}
}

// rotate moves the current file aside and opens a fresh one. Numbering
// (and compression) of the rotated files happens in order, in the
// background when it compresses, so that capture never waits on gzip. The
// fresh file is made with O_EXCL: whatever took its name since the rename
// is not supd's.
func (f *file) rotate() error {
	if err := f.f.Close(); err != nil {
		f.f = nil
		return fmt.Errorf("rotating %s: %w", f.name, err)
	}
	f.f = nil
	d, name, err := openFolder(f.name)
	if err != nil {
		return fmt.Errorf("rotating: %w", err)
	}
	defer d.close()
	if f.maxFiles <= 0 {
		if err := d.remove(name); err != nil && !notExist(err) {
			return fmt.Errorf("rotating: %w", err)
		}
	} else {
		// Unique even across restarts of supd, in case one left a file.
		f.rotated++
		pending := fmt.Sprintf("%s.rotating.%d.%d", name, time.Now().UnixNano(), f.rotated)
		switch err := d.rename(name, pending); {
		case notExist(err):
			// Removed behind supd's back: nothing to keep.
		case err != nil:
			return fmt.Errorf("rotating: %w", err)
		default:
			if f.testHookRenamed != nil {
				f.testHookRenamed()
			}
			f.rot.add(rotation{name: f.name, pending: pending, maxFiles: f.maxFiles, compress: f.compress})
		}
	}
	if err := f.openIn(d, name, true); err != nil {
		return fmt.Errorf("rotating: %w", err)
	}
	return nil
}

func (f *file) fail(err error) {
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
	if f.ep.fail() {
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
	name     string // the log file's path
	pending  string // the rotated file's name in its folder
	maxFiles int
	compress bool
}

// rotations runs rotation jobs one at a time, in order. A job that does not
// compress runs inline when none is queued (a few renames); otherwise one
// goroutine runs the queue and exits when it is empty.
type rotations struct {
	logger *slog.Logger
	path   string
	ep     *episode // shared with the file: a full disk is one episode

	mu   sync.Mutex
	jobs []rotation
	done chan struct{} // non-nil while the goroutine runs

	testHookJob func(rotation) // called before each job runs
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
	if q.testHookJob != nil {
		q.testHookJob(j)
	}
	if err := j.run(); err != nil && q.ep.fail() {
		q.logger.Error("rotating log file failed", "path", q.path, "file", j.name, "err", err)
	}
}

func (j rotation) run() error {
	d, name, err := openFolder(j.name)
	if err != nil {
		return fmt.Errorf("rotating: %w", err)
	}
	defer d.close()
	src, ext := j.pending, ""
	if j.compress {
		// Compressed before the shift, so the numbered files stay a
		// consistent series while gzip runs. On failure the file is kept
		// uncompressed rather than lost.
		if err := gzipFile(d, j.pending, j.pending+".gz"); err != nil {
			if serr := j.shift(d, name); serr != nil {
				return errors.Join(err, serr)
			}
			return errors.Join(err, rename(d, j.pending, name+".1"))
		}
		if err := d.remove(j.pending); err != nil {
			return fmt.Errorf("rotating: %w", err)
		}
		src, ext = j.pending+".gz", ".gz"
	}
	if err := j.shift(d, name); err != nil {
		return err
	}
	return rename(d, src, name+".1"+ext)
}

// shift renames <name>.i and <name>.i.gz to i+1, from the oldest, removing
// those at maxFiles.
func (j rotation) shift(d *folder, name string) error {
	var errs []error
	for i := j.maxFiles; i >= 1; i-- {
		for _, ext := range []string{"", ".gz"} {
			from := name + "." + strconv.Itoa(i) + ext
			var err error
			if i == j.maxFiles {
				err = d.remove(from)
			} else {
				err = d.rename(from, name+"."+strconv.Itoa(i+1)+ext)
			}
			if err != nil && !notExist(err) {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("rotating: %w", errors.Join(errs...))
	}
	return nil
}

func rename(d *folder, from, to string) error {
	if err := d.rename(from, to); err != nil {
		return fmt.Errorf("rotating: %w", err)
	}
	return nil
}

// gzipFile compresses from into to, a new file (O_EXCL): a name planted
// there is refused, never truncated. On failure to is removed if it was
// made here.
func gzipFile(d *folder, from, to string) (err error) {
	in, err := d.open(from, os.O_RDONLY, false)
	if err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	defer in.Close()
	out, err := d.open(to, os.O_WRONLY|os.O_CREATE, true)
	if err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("compressing: %w", cerr)
		}
		if err != nil {
			d.remove(to)
		}
	}()
	zw := gzip.NewWriter(out)
	if _, err := io.Copy(zw, in); err != nil {
		return fmt.Errorf("compressing %s: %w", in.Name(), err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing %s: %w", in.Name(), err)
	}
	return nil
}
