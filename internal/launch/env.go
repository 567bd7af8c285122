package launch

import (
	"maps"
	"slices"
	"strings"

	"supd/config"
	"supd/internal/notify"
	"supd/osproc"
)

// environ builds a worker's environment: supd's own (unless clear_env)
// without the variables through which a service manager talks to supd,
// then user (its user's HOME, USER, LOGNAME, SHELL), then the worker's env,
// then extra (supd's own settings for this run).
func environ(base, user []string, w *config.Worker, extra ...string) []string {
	var env []string
	if !w.ClearEnv {
		env = notify.StripEnv(base)
	}
	set := func(kv string) {
		k, _, _ := strings.Cut(kv, "=")
		env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		env = append(env, kv)
	}
	for _, kv := range user {
		set(kv)
	}
	for _, k := range slices.Sorted(maps.Keys(w.Env)) {
		set(k + "=" + w.Env[k])
	}
	for _, kv := range extra {
		set(kv)
	}
	return env
}

// cgroupName is a worker's cgroup name: its path with "/" made "_".
func cgroupName(path string) string { return strings.ReplaceAll(path, "/", "_") }

// cred is the user a worker (and its exec probes) runs as; nil is supd's.
func cred(c *config.Credential) *osproc.Cred {
	if c == nil {
		return nil
	}
	return &osproc.Cred{UID: c.UID, GID: c.GID, Groups: c.Groups}
}
