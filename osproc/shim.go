package osproc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// pidEnvVar carries Spec.PidEnv to the re-executed binary.
const pidEnvVar = "SUPD_OSPROC_PIDENV"

// A process with Spec.PidEnv is started as this same binary, which, before
// anything else runs, sets the named variables to its own pid and executes
// the real program: exec keeps the pid, so the program finds its own pid
// there (systemd's WATCHDOG_PID must be exactly the worker's pid, which is
// unknown before the fork).
func init() {
	names, ok := os.LookupEnv(pidEnvVar)
	if !ok || len(os.Args) < 2 {
		return
	}
	pid := strconv.Itoa(os.Getpid())
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, pidEnvVar+"=") {
			env = append(env, kv)
		}
	}
	for _, n := range strings.Split(names, ",") {
		env = append(env, n+"="+pid)
	}
	err := syscall.Exec(os.Args[1], os.Args[2:], env)
	fmt.Fprintf(os.Stderr, "exec %q: %v\n", os.Args[1], err)
	os.Exit(127)
}

// shimmed rewrites path, argv and env so that the process starts as this
// binary's init above.
func shimmed(path string, argv, env, names []string) (string, []string, []string) {
	args := append([]string{"supd-exec", path}, argv...)
	env = append(env[:len(env):len(env)], pidEnvVar+"="+strings.Join(names, ","))
	return "/proc/self/exe", args, env
}
