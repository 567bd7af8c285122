package testuser

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// User is a throwaway user: a system user with a group of its own name, a
// home folder that does not exist, and /bin/sh as its shell.
type User struct {
	Name  string
	UID   uint32
	GID   uint32
	Home  string
	Shell string
}

// Cred runs a process as u, with its group alone.
func (u User) Cred() *syscall.Credential {
	return &syscall.Credential{Uid: u.UID, Gid: u.GID, Groups: []uint32{u.GID}}
}

// Chown gives path to u.
func (u User) Chown(t testing.TB, path string) {
	t.Helper()
	if err := os.Lchown(path, int(u.UID), int(u.GID)); err != nil {
		t.Fatal(err)
	}
}

// deadline bounds the retries of useradd and userdel, which fail while
// another process holds the passwd file's lock.
const deadline = 30 * time.Second

// New creates a user for the test and removes it (with its group) when the
// test ends; register it before anything the test runs as the user, so
// that the user outlives those processes. Without root, or without
// useradd, the test is skipped.
//
// The commands may run while osproc's reaper steals every child's exit, so
// their success is judged by the user database, not by their exit status.
func New(t testing.TB) User {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a throwaway user")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("needs useradd to create a throwaway user")
	}
	var b [4]byte
	rand.Read(b[:])
	name := "supdt" + hex.EncodeToString(b[:])
	home := "/nonexistent/" + name
	out, err := retry(func() (bool, string) {
		msg := run("useradd", "--system", "--no-create-home", "--user-group", "--home-dir", home, "--shell", "/bin/sh", name)
		_, err := user.Lookup(name)
		return err == nil, msg
	})
	if err != nil {
		t.Fatalf("creating user %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() { remove(t, name) })
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return User{Name: name, UID: uint32(uid), GID: uint32(gid), Home: home, Shell: "/bin/sh"}
}

func remove(t testing.TB, name string) {
	out, err := retry(func() (bool, string) {
		msg := run("userdel", name)
		_, err := user.Lookup(name)
		var unknown user.UnknownUserError
		return errors.As(err, &unknown), msg
	})
	if err != nil {
		t.Errorf("removing user %s: %v: %s", name, err, out)
	}
}

// run runs a command and returns its output; its exit status may be lost
// to a reaper (see New).
func run(prog string, args ...string) string {
	out, _ := exec.Command(prog, args...).CombinedOutput()
	return strings.TrimSpace(string(out))
}

// retry calls try until it reports done, for up to deadline.
func retry(try func() (done bool, out string)) (string, error) {
	end := time.Now().Add(deadline)
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		done, out := try()
		if done {
			return out, nil
		}
		if time.Now().After(end) {
			return out, fmt.Errorf("not done within %v", deadline)
		}
		time.Sleep(delay)
	}
}

// Dir makes a folder of root's under /tmp, which every user can reach,
// with mode (sticky included), removed when the test ends: where another
// user can do what the test needs (plant a link, squat a name), or chown
// it to make it theirs.
func Dir(t testing.TB, mode os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "supd-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}
