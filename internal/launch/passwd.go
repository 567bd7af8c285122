package launch

import (
	"bufio"
	"bytes"
	"os"
	"os/user"
	"strconv"

	"supd/config"
)

// passwdEntry is what a worker's environment takes from its user's
// passwd entry.
type passwdEntry struct {
	name, home, shell string
}

// userEnv is HOME, USER, LOGNAME and SHELL for a worker that runs as
// another user (SPEC §1, as systemd sets them), from the user's passwd
// entry at the time of the start; none for a worker that keeps supd's uid.
// A uid with no entry gets its number as its name, / as its home and
// /bin/sh: never supd's own home and shell.
func userEnv(c *config.Credential, lookup func(uid uint32) (passwdEntry, bool)) []string {
	if c == nil || c.User == "" {
		return nil
	}
	e, ok := lookup(c.UID)
	if !ok {
		e = passwdEntry{name: strconv.FormatUint(uint64(c.UID), 10), home: "/", shell: "/bin/sh"}
	}
	return []string{"HOME=" + e.home, "USER=" + e.name, "LOGNAME=" + e.name, "SHELL=" + e.shell}
}

// lookupPasswd finds uid's entry in /etc/passwd, else through the system's
// user database (os/user, which knows no shell: /bin/sh then).
func lookupPasswd(uid uint32) (passwdEntry, bool) {
	if b, err := os.ReadFile("/etc/passwd"); err == nil {
		if e, ok := parsePasswd(b, uid); ok {
			return e, true
		}
	}
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return passwdEntry{}, false
	}
	return passwdEntry{name: u.Username, home: u.HomeDir, shell: "/bin/sh"}, true
}

// parsePasswd finds uid's line in a passwd file: name:pw:uid:gid:gecos:home:shell.
func parsePasswd(b []byte, uid uint32) (passwdEntry, bool) {
	want := []byte(strconv.FormatUint(uint64(uid), 10))
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Split(sc.Bytes(), []byte(":"))
		if len(f) != 7 || !bytes.Equal(f[2], want) || len(f[0]) == 0 || f[0][0] == '#' {
			continue
		}
		e := passwdEntry{name: string(f[0]), home: string(f[5]), shell: string(f[6])}
		if e.home == "" {
			e.home = "/"
		}
		if e.shell == "" {
			e.shell = "/bin/sh" // as login(1) takes an empty shell
		}
		return e, true
	}
	return passwdEntry{}, false
}
