package safefs

import (
	"fmt"
	"io/fs"
	"os/user"
	"strconv"
	"syscall"
)

// Folder returns nil when no user but uid and root can add, remove or
// rename entries in the folder that fi describes: it belongs to one of
// them, and neither its group nor others may write it, unless it is sticky
// (like /tmp, where nobody may remove or rename what is not theirs). Else
// the error names path and says who else may write it.
func Folder(path string, fi fs.FileInfo, uid int) error {
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a folder (%s)", path, kind(fi))
	}
	if err := owner(path, fi, uid); err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSticky == 0 {
		if err := writers(path, fi, "not sticky"); err != nil {
			return err
		}
	}
	return nil
}

// File returns nil when fi describes a regular file that belongs to uid
// and has no other name (a hard link would make it another file's too).
func File(path string, fi fs.FileInfo, uid int) error {
	switch {
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file (%s)", path, kind(fi))
	case int(stat(fi).Uid) != uid:
		return fmt.Errorf("%s: belongs to %s, not to supd's %s", path, who(int(stat(fi).Uid)), who(uid))
	case stat(fi).Nlink > 1:
		return fmt.Errorf("%s: has %d names (hard links); it may be another file's", path, stat(fi).Nlink)
	}
	return nil
}

// Unchangeable returns nil when no user but uid and root can change the
// file or folder fi describes itself: its content, or its mode (which its
// owner could change).
func Unchangeable(path string, fi fs.FileInfo, uid int) error {
	if err := owner(path, fi, uid); err != nil {
		return err
	}
	return writers(path, fi, "")
}

func owner(path string, fi fs.FileInfo, uid int) error {
	if o := int(stat(fi).Uid); o != uid && o != 0 {
		return fmt.Errorf("%s: belongs to %s, who may change it (supd runs as %s)", path, who(o), who(uid))
	}
	return nil
}

func writers(path string, fi fs.FileInfo, unless string) error {
	if unless != "" {
		unless = " and " + unless
	}
	switch perm := fi.Mode().Perm(); {
	case perm&0o002 != 0:
		return fmt.Errorf("%s: writable by every user%s (mode %04o)", path, unless, perm)
	case perm&0o020 != 0:
		return fmt.Errorf("%s: writable by group %s%s (mode %04o)", path, group(int(stat(fi).Gid)), unless, perm)
	}
	return nil
}

func stat(fi fs.FileInfo) *syscall.Stat_t {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st
	}
	return &syscall.Stat_t{Uid: ^uint32(0), Gid: ^uint32(0)}
}

func kind(fi fs.FileInfo) string {
	switch t := fi.Mode().Type(); {
	case fi.IsDir():
		return "a folder"
	case t&fs.ModeSymlink != 0:
		return "a symlink"
	case t&fs.ModeNamedPipe != 0:
		return "a fifo"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeDevice != 0:
		return "a device"
	default:
		return "mode " + fi.Mode().String()
	}
}

// who is "uid 1000 (alice)", or "uid 1000" without a passwd entry.
func who(uid int) string {
	s := "uid " + strconv.Itoa(uid)
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		s += " (" + u.Username + ")"
	}
	return s
}

func group(gid int) string {
	s := strconv.Itoa(gid)
	if g, err := user.LookupGroupId(s); err == nil {
		return s + " (" + g.Name + ")"
	}
	return s
}
