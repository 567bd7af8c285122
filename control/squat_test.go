package control

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"supd/internal/testuser"
)

// wantListenRefused checks that Listen refuses sock, naming want, and
// leaves no file made through a planted link at target.
func wantListenRefused(t *testing.T, sock, want, target string) {
	t.Helper()
	ln, err := Listen(sock, 0o600, -1)
	if err == nil {
		ln.Close()
		t.Fatalf("Listen(%s) succeeded", sock)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want %q", err, want)
	}
	if target != "" {
		if _, err := os.Lstat(target); err == nil {
			t.Errorf("%s was made through the planted link", target)
		}
	}
}

// Another user makes the socket's folder first (the default
// /tmp/supd-$UID is predictable), writable by all, with a symlink at the
// lock file's name: supd must not use the folder at all.
func TestAttackSquattedSocketFolder(t *testing.T) {
	u := testuser.New(t)
	dir := testuser.Dir(t, 0o777)
	u.Chown(t, dir)
	target := filepath.Join(t.TempDir(), "made-through-the-link")
	sock := filepath.Join(dir, "supd.sock")
	if err := os.Symlink(target, sock+".lock"); err != nil {
		t.Fatal(err)
	}
	u.Chown(t, sock+".lock")
	wantListenRefused(t, sock, dir+": belongs to uid ", target)
}

func TestListenRefusesAnUnsafeFolder(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) (sock, target string)
		want  string
	}{
		{"folder writable by all, not sticky", func(t *testing.T) (string, string) {
			dir := testuser.Dir(t, 0o777)
			return filepath.Join(dir, "supd.sock"), ""
		}, ": writable by every user and not sticky"},
		{"folder writable by its group", func(t *testing.T) (string, string) {
			dir := testuser.Dir(t, 0o770)
			return filepath.Join(dir, "supd.sock"), ""
		}, ": writable by group"},
		{"folder is a symlink", func(t *testing.T) (string, string) {
			real := t.TempDir()
			link := filepath.Join(t.TempDir(), "run")
			os.Symlink(real, link)
			return filepath.Join(link, "supd.sock"), ""
		}, "run: a symlink"},
		{"symlink at the lock file, in a sticky folder", func(t *testing.T) (string, string) {
			dir := testuser.Dir(t, 0o777|os.ModeSticky)
			target := filepath.Join(t.TempDir(), "made-through-the-link")
			sock := filepath.Join(dir, "supd.sock")
			os.Symlink(target, sock+".lock")
			return sock, target
		}, "supd.sock.lock: a symlink"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock, target := tt.setup(t)
			wantListenRefused(t, sock, tt.want, target)
		})
	}
}

// A missing folder is made private: 0700, or 0750 with the control group.
// The socket has its mode from its birth, set by the umask around bind,
// and the umask is as it was afterwards.
func TestListenMakesAPrivateFolder(t *testing.T) {
	old := syscall.Umask(0o022)
	syscall.Umask(old)
	sock := filepath.Join(t.TempDir(), "supd-1000", "supd.sock")
	ln, err := Listen(sock, 0o660, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if fi, _ := os.Lstat(filepath.Dir(sock)); fi.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700", fi.Mode().Perm())
	}
	if fi, _ := os.Lstat(sock); fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, want 0660", fi.Mode().Perm())
	}
	if now := syscall.Umask(old); now != old {
		t.Errorf("umask %04o after Listen, was %04o", now, old)
	}
}
