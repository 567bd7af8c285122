package osproc

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestPidEnv checks that Spec.PidEnv variables hold the process's own pid.
func TestPidEnv(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "info")
	env := []string{"A=1"}
	p := start(t, Spec{Argv: tp("-info", info), Env: env, PidEnv: []string{"WATCHDOG_PID", "MY_PID"}})
	if e := wait(t, p, 10*time.Second); e != (Exit{}) {
		t.Fatalf("exit %v", e)
	}
	want := []string{"A=1", fmt.Sprintf("WATCHDOG_PID=%d", p.Pid()), fmt.Sprintf("MY_PID=%d", p.Pid())}
	if got := readInfo(t, info)["env"]; !slices.Equal(got, want) {
		t.Errorf("env %q, want %q", got, want)
	}
	if len(env) != 1 {
		t.Errorf("Spec.Env changed: %q", env)
	}
	// The usual exec failures are still errors of Start.
	if _, err := Start(Spec{Argv: []string{"/nonexistent/x"}, PidEnv: []string{"P"}}); err == nil ||
		err.Error() != `exec "/nonexistent/x": no such file or directory` {
		t.Errorf("error %v", err)
	}
}
