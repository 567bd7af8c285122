package safefs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// maxLinks bounds the symlinks followed on one path, as the kernel does.
const maxLinks = 40

// Path returns nil when no user but uid and root can change what path
// leads to: every folder on the way passes Folder, the folders of the
// symlinks on it and of their targets included, and the file or folder at
// its end passes Unchangeable. The error names the first one that fails.
func Path(path string, uid int) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	dir := "/"
	rest := components(abs)
	links := 0
	checked := map[string]bool{}
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		if c == ".." {
			dir = filepath.Dir(dir)
			continue
		}
		if !checked[dir] {
			fi, err := os.Lstat(dir)
			if err != nil {
				return err
			}
			if err := Folder(dir, fi, uid); err != nil {
				return err
			}
			checked[dir] = true
		}
		next := filepath.Join(dir, c)
		fi, err := os.Lstat(next)
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			if links++; links > maxLinks {
				return fmt.Errorf("%s: too many levels of symlinks", path)
			}
			target, err := os.Readlink(next)
			if err != nil {
				return err
			}
			if filepath.IsAbs(target) {
				dir = "/"
			}
			rest = append(components(target), rest...)
			continue
		}
		if len(rest) == 0 {
			return Unchangeable(next, fi, uid)
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s: not a folder", next)
		}
		dir = next
	}
	// The path is a folder reached through its last symlink, or "/".
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	return Unchangeable(dir, fi, uid)
}

func components(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}
