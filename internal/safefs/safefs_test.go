package safefs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"supd/internal/testuser"
)

// mk makes a folder or file at path with mode, which may include sticky.
func mk(t *testing.T, path string, dir bool, mode os.FileMode) string {
	t.Helper()
	var err error
	if dir {
		err = os.Mkdir(path, 0o700)
	} else {
		err = os.WriteFile(path, nil, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

type judged struct {
	name  string
	path  string
	check func(string, os.FileInfo, int) error
	want  string // "" for nil
}

func TestFolderFileUnchangeable(t *testing.T) {
	self := os.Geteuid()
	dir := t.TempDir()
	tests := []judged{
		{"private folder", mk(t, filepath.Join(dir, "a"), true, 0o700), Folder, ""},
		{"folder readable by all", mk(t, filepath.Join(dir, "b"), true, 0o755), Folder, ""},
		{"folder writable by all", mk(t, filepath.Join(dir, "c"), true, 0o777), Folder, "writable by every user and not sticky"},
		{"folder writable by its group", mk(t, filepath.Join(dir, "d"), true, 0o775), Folder, "writable by group"},
		{"sticky folder writable by all", mk(t, filepath.Join(dir, "e"), true, 0o777|os.ModeSticky), Folder, ""},
		{"a file is no folder", mk(t, filepath.Join(dir, "f"), false, 0o600), Folder, "not a folder"},
		{"own file", mk(t, filepath.Join(dir, "g"), false, 0o640), File, ""},
		{"a folder is no file", mk(t, filepath.Join(dir, "h"), true, 0o700), File, "not a regular file (a folder)"},
		{"file readable by all", mk(t, filepath.Join(dir, "i"), false, 0o644), Unchangeable, ""},
		{"file writable by all", mk(t, filepath.Join(dir, "j"), false, 0o666), Unchangeable, "writable by every user (mode 0666)"},
		{"file writable by its group", mk(t, filepath.Join(dir, "k"), false, 0o664), Unchangeable, "writable by group"},
		{"sticky is no help to a file's content", mk(t, filepath.Join(dir, "l"), true, 0o777|os.ModeSticky), Unchangeable, "writable by every user"},
	}
	link := filepath.Join(dir, "link")
	os.Symlink(tests[6].path, link)
	tests = append(tests, judged{"a symlink is no file", link, File, "not a regular file (a symlink)"})
	hard := filepath.Join(dir, "hard")
	os.Link(mk(t, filepath.Join(dir, "linked"), false, 0o640), hard)
	tests = append(tests, judged{"a file with two names", hard, File, "has 2 names"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fi, err := os.Lstat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.check(tt.path, fi, self)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), tt.path+": ")):
				t.Errorf("got %v, want %q naming %s", err, tt.want, tt.path)
			}
		})
	}
}

func TestPath(t *testing.T) {
	self := os.Geteuid()
	dir := t.TempDir()
	good := mk(t, filepath.Join(dir, "good"), true, 0o755)
	file := mk(t, filepath.Join(good, "supd.yaml"), false, 0o644)
	open := mk(t, filepath.Join(dir, "open"), true, 0o777)
	sticky := mk(t, filepath.Join(dir, "sticky"), true, 0o777|os.ModeSticky)
	inSticky := mk(t, filepath.Join(sticky, "supd.yaml"), false, 0o644)
	writable := mk(t, filepath.Join(good, "writable.yaml"), false, 0o666)
	// A link that lives in a folder anyone may write leads to a good file.
	swappable := filepath.Join(open, "link")
	os.Symlink(file, swappable)
	// A chain of links: good → open → good; the middle folder is the hole.
	chain := filepath.Join(good, "chain")
	os.Symlink(swappable, chain)
	relative := filepath.Join(good, "rel")
	os.Symlink("../good/./supd.yaml", relative)
	tests := []struct {
		path string
		want string // the failing path, "" for nil
	}{
		{file, ""},
		{good, ""},
		{inSticky, ""},
		{relative, ""},
		{writable, writable + ": writable by every user"},
		{filepath.Join(open, "x"), open + ": writable by every user and not sticky"},
		{swappable, open + ": "},
		{chain, open + ": "},
		{filepath.Join(good, "missing"), "no such file"},
	}
	for _, tt := range tests {
		err := Path(tt.path, self)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Path(%s) = %v, want nil", tt.path, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Path(%s) = %v, want %q", tt.path, err, tt.want)
		}
	}
}

// Another user's folder or file is changeable by that user; root's is not.
func TestOwners(t *testing.T) {
	u := testuser.New(t)
	dir := t.TempDir()
	theirs := mk(t, filepath.Join(dir, "theirs"), true, 0o755)
	u.Chown(t, theirs)
	file := mk(t, filepath.Join(dir, "file"), false, 0o644)
	u.Chown(t, file)
	for _, tt := range []struct {
		path  string
		check func(string, os.FileInfo, int) error
		want  string
	}{
		{theirs, Folder, "belongs to uid "},
		{file, Unchangeable, "(" + u.Name + "), who may change it"},
		{file, File, "not to supd's uid 0"},
	} {
		fi, _ := os.Lstat(tt.path)
		if err := tt.check(tt.path, fi, 0); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.path, err, tt.want)
		}
	}
	// supd's own uid need not be root's: root's folders are trusted too.
	fi, _ := os.Lstat(theirs)
	if err := Folder(theirs, fi, int(u.UID)); err != nil {
		t.Errorf("the user's own folder, for a supd of that user: %v", err)
	}
	fi, _ = os.Lstat(dir)
	if err := Folder(dir, fi, int(u.UID)); err != nil {
		t.Errorf("root's folder, for a supd of another user: %v", err)
	}
}
