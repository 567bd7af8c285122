package control

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"supd/control/api"
)

func TestMain(m *testing.M) {
	if sock := os.Getenv(strangerEnv); sock != "" {
		os.Exit(strangerMain(sock))
	}
	if sock := os.Getenv(squatterEnv); sock != "" {
		os.Exit(squatterMain(sock))
	}
	goleak.VerifyTestMain(m)
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeBackend is a Backend over a fixed tree that records the calls made to
// it.
type fakeBackend struct {
	tree api.Tree
	bus  *Bus
	logs []api.LogLine

	versions     atomic.Uint64
	fixedVersion uint64 // when set, the tree's version: its body is cached

	// logFeed, when set, carries the new lines of FollowLogs.
	logFeed chan api.LogLine
	// block, when set, makes Stop wait for it (or for ctx) first.
	block chan struct{}
	// followStopped receives once per FollowEvents stream that ended.
	followStopped chan struct{}
	reloadErr     error

	mu    sync.Mutex
	calls []string
}

func newFakeBackend() *fakeBackend {
	started := t0.Add(-time.Hour)
	worker := func(path, name string, st api.State, pid int) api.Node {
		n := api.Node{Path: path, Name: name, Kind: api.KindWorker, State: st, PID: pid, Since: t0}
		if pid != 0 {
			n.StartedAt = &started
		}
		return n
	}
	return &fakeBackend{
		tree: api.Tree{Root: api.Node{
			Kind: api.KindSupervisor, State: api.StateRunning, Since: t0, StartedAt: &started,
			Strategy: "one_for_one", Start: "sequential",
			Budget: &api.Budget{Used: 0, Max: 3, Period: api.Duration(5 * time.Second)},
			Children: []api.Node{
				worker("db", "db", api.StateRunning, 100),
				{
					Path: "web", Name: "web", Kind: api.KindSupervisor, State: api.StateRunning, Since: t0, StartedAt: &started,
					Strategy: "rest_for_one", Start: "parallel",
					Budget: &api.Budget{Used: 2, Max: 3, Period: api.Duration(5 * time.Second)},
					Children: []api.Node{
						func() api.Node {
							n := worker("web/api", "api", api.StateRunning, 101)
							n.Restarts = 2
							n.LastExit = &api.Exit{Code: api.IntPtr(1), Reason: api.ReasonExit, Time: t0}
							return n
						}(),
						worker("web/front", "front", api.StateBackoff, 0),
					},
				},
			},
		}},
		bus: NewBus(100, 16),
		logs: []api.LogLine{
			{Time: t0, Path: "db", Stream: "stdout", Text: "db up"},
			{Time: t0.Add(time.Second), Path: "web/api", Stream: "stderr", Text: "api up"},
		},
		followStopped: make(chan struct{}, 100),
	}
}

func (f *fakeBackend) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeBackend) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) Tree() api.Tree { return f.tree }

// TreeVersion changes with every call, so no test sees a cached tree
// unless it sets a fixed version.
func (f *fakeBackend) TreeVersion() uint64 {
	if f.fixedVersion != 0 {
		return f.fixedVersion
	}
	return f.versions.Add(1)
}

func (f *fakeBackend) Node(path string) (api.Node, error) {
	if n := f.tree.Root.Find(path); n != nil {
		return *n, nil
	}
	return api.Node{}, fmt.Errorf("no node %q: %w", path, api.ErrNotFound)
}

func (f *fakeBackend) act(ctx context.Context, what, path string) error {
	if _, err := f.Node(path); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	f.record("%s %q", what, path)
	return nil
}

func (f *fakeBackend) Start(ctx context.Context, path string) error {
	return f.act(ctx, "start", path)
}

func (f *fakeBackend) Stop(ctx context.Context, path string, hold time.Duration) error {
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return f.act(ctx, fmt.Sprintf("stop(%s)", hold), path)
}

func (f *fakeBackend) Restart(ctx context.Context, path string) error {
	return f.act(ctx, "restart", path)
}

func (f *fakeBackend) Signal(ctx context.Context, path, sig string, group bool) error {
	if sig == "BOGUS" {
		return fmt.Errorf("signal: unknown signal %q: %w", sig, api.ErrInvalid)
	}
	return f.act(ctx, fmt.Sprintf("signal(%s,%v)", sig, group), path)
}

func (f *fakeBackend) Scale(ctx context.Context, path string, n int) error {
	node, err := f.Node(path)
	if err != nil {
		return fmt.Errorf("scale: %w", err)
	}
	if node.Replicas == nil {
		return fmt.Errorf("scale: %q is not a replica set: %w", path, api.ErrConflict)
	}
	return f.act(ctx, fmt.Sprintf("scale(%d)", n), path)
}

func (f *fakeBackend) Logs(path string, n int) ([]api.LogLine, error) {
	if _, err := f.Node(path); err != nil {
		return nil, err
	}
	f.record("logs %q %d", path, n)
	var out []api.LogLine
	for _, l := range f.logs {
		if path == "" || l.Path == path || strings.HasPrefix(l.Path, path+"/") {
			out = append(out, l)
		}
	}
	return out[max(0, len(out)-n):], nil
}

func (f *fakeBackend) FollowLogs(ctx context.Context, path string, n int) (<-chan api.LogLine, error) {
	backlog, err := f.Logs(path, n)
	if err != nil {
		return nil, err
	}
	ch := make(chan api.LogLine, len(backlog))
	for _, l := range backlog {
		ch <- l
	}
	out := make(chan api.LogLine)
	go func() {
		defer close(out)
		for {
			var l api.LogLine
			select {
			case l = <-ch:
			default:
				select {
				case l = <-f.logFeed:
				case <-ctx.Done():
					return
				}
			}
			select {
			case out <- l:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (f *fakeBackend) ReopenLogs(ctx context.Context) (api.Reopened, error) {
	f.record("reopen")
	return api.Reopened{Files: 2}, nil
}

func (f *fakeBackend) Events(n int) []api.Event { return f.bus.Recent(n) }

func (f *fakeBackend) FollowEvents(ctx context.Context, n int) (<-chan api.Event, func(), error) {
	ch, stop := f.bus.Follow(ctx, n)
	return ch, func() {
		stop()
		f.followStopped <- struct{}{}
	}, nil
}

func (f *fakeBackend) Reload(ctx context.Context, dryRun bool) (api.Plan, error) {
	if f.reloadErr != nil {
		return api.Plan{}, f.reloadErr
	}
	f.record("reload(%v)", dryRun)
	if dryRun {
		return api.Plan{Changes: []api.Change{{Path: "db", Action: api.ActionRestart, Fields: []api.FieldChange{{Field: "command", Old: `["a"]`, New: `["b"]`}}}}}, nil
	}
	return api.Plan{}, nil
}

func (f *fakeBackend) Shutdown(ctx context.Context) error {
	f.record("shutdown")
	return nil
}

func (f *fakeBackend) Version() api.Version {
	return api.Version{Version: "1.2.3", Go: "go1.26", API: "v1"}
}

// syncBuffer is a log destination that tests can read while the server
// writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testServer is a Server for a Backend on a socket in a temporary folder.
type testServer struct {
	sock   string
	log    *syncBuffer
	stop   func() // stops Serve and waits for it
	client *http.Client
}

func startServer(t testing.TB, b Backend, opts Options) *testServer {
	t.Helper()
	ts := &testServer{sock: filepath.Join(t.TempDir(), "supd.sock"), log: &syncBuffer{}}
	ln, err := Listen(ts.sock, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger = slog.New(slog.NewTextHandler(ts.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := New(b, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	ts.client = unixClient(ts.sock)
	var once sync.Once
	ts.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("Serve did not return after its context ended")
			}
			ts.client.CloseIdleConnections()
		})
	}
	t.Cleanup(ts.stop)
	return ts
}

func unixClient(sock string) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", sock)
			},
			MaxIdleConnsPerHost: 64,
		},
		Timeout: 10 * time.Second,
	}
}

// call sends one request and returns the status and body.
func (ts *testServer) call(t testing.TB, method, url, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://supd"+url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}
