package health

import (
	"os"
	"strconv"
	"testing"

	"go.uber.org/goleak"
)

// Tests here start child processes only through osproc (exec probes):
// osproc's reaper waits for every child of the test binary, so os/exec's
// Wait must not be used in this package.
func TestMain(m *testing.M) {
	if n, err := strconv.Atoi(os.Getenv(benchServerEnv)); err == nil {
		benchServer(n)
	}
	code := m.Run()
	transport.CloseIdleConnections()
	if code == 0 {
		// osproc's reaper and spawner live as long as the process.
		if err := goleak.Find(
			goleak.IgnoreAnyFunction("supd/osproc.reapLoop"),
			goleak.IgnoreAnyFunction("supd/osproc.spawnLoop"),
			goleak.IgnoreAnyFunction("os/signal.signal_recv"),
			goleak.IgnoreAnyFunction("os/signal.loop"),
		); err != nil {
			os.Stderr.WriteString("goroutine leak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}
