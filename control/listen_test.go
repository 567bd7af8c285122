package control

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestListenModeAndGroup(t *testing.T) {
	gid := os.Getgid()
	if os.Getuid() == 0 {
		gid = nobody // only root may give the socket to another group
	}
	sock := filepath.Join(t.TempDir(), "run", "supd", "supd.sock") // parents are created
	ln, err := Listen(sock, 0o600, gid)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want socket 0600", fi.Mode())
	}
	if got := fi.Sys().(*syscall.Stat_t).Gid; int(got) != gid {
		t.Errorf("gid %d, want %d", got, gid)
	}
	// The folder it made lets the control group through, and no one else.
	if dir, _ := os.Stat(filepath.Dir(sock)); dir.Mode().Perm() != 0o750 || int(dir.Sys().(*syscall.Stat_t).Gid) != gid {
		t.Errorf("folder mode %v, gid %d; want 0750 and gid %d", dir.Mode().Perm(), dir.Sys().(*syscall.Stat_t).Gid, gid)
	}
	ln.Close()
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("socket file left after Close: %v", err)
	}

	ln, err = Listen(sock, 0, -1)
	if err != nil {
		t.Fatalf("listening again after Close: %v", err)
	}
	defer ln.Close()
	if fi, _ := os.Stat(sock); fi.Mode().Perm() != DefaultSocketMode {
		t.Errorf("default mode %v, want %v", fi.Mode().Perm(), DefaultSocketMode)
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "supd.sock")
	// A socket file left behind by a supd that died.
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false)
	old.Close()
	if _, err := os.Lstat(sock); err != nil {
		t.Fatal("the stale socket should still exist")
	}
	ln, err := Listen(sock, 0, -1)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	defer ln.Close()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("new socket does not answer: %v", err)
	}
	c.Close()
}

func TestListenRefusesLiveSocket(t *testing.T) {
	tests := []struct {
		name string
		live func(t *testing.T, sock string) func()
		want string
	}{
		{
			name: "another supd",
			live: func(t *testing.T, sock string) func() {
				ln, err := Listen(sock, 0, -1)
				if err != nil {
					t.Fatal(err)
				}
				return func() { ln.Close() }
			},
			want: "another supd is listening on ",
		},
		{
			// Something that does not take the lock, such as an older supd.
			name: "another listener",
			live: func(t *testing.T, sock string) func() {
				ln, err := net.Listen("unix", sock)
				if err != nil {
					t.Fatal(err)
				}
				return func() { ln.Close() }
			},
			want: "another supd is listening on ",
		},
		{
			name: "not a socket",
			live: func(t *testing.T, sock string) func() {
				if err := os.WriteFile(sock, []byte("precious"), 0o644); err != nil {
					t.Fatal(err)
				}
				return func() {}
			},
			want: "exists and is not a socket",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "supd.sock")
			stop := tt.live(t, sock)
			defer stop()
			before, _ := os.Lstat(sock)
			ln, err := Listen(sock, 0, -1)
			if err == nil {
				ln.Close()
				t.Fatal("Listen took over a live socket")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), sock) {
				t.Errorf("error %q, want %q and the path", err, tt.want)
			}
			after, err := os.Lstat(sock)
			if err != nil || !os.SameFile(before, after) {
				t.Errorf("the live socket file was touched: %v", err)
			}
		})
	}
}
