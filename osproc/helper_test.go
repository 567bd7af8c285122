package osproc

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"time"
)

// helperEnv makes the test binary act as a small supd: it starts one
// worker in a cgroup, reports, and waits to be killed.
const helperEnv = "OSPROC_TEST_HELPER"

// helperMain runs `testproc ARGS...` (from helperEnv, space-separated after
// the testproc path) in cgroup "helper", writes its cgroup to
// $OSPROC_TEST_CGFILE once the worker is ready, then writes a newline to fd
// 3 and sleeps.
func helperMain() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	if err := Init(nil); err != nil {
		fail(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		fail(err)
	}
	argv := append(splitFields(os.Getenv(helperEnv)), "-ready-fd", "3")
	p, err := Start(Spec{Argv: argv, ExtraFiles: []*os.File{w}, Cgroup: "helper", Stderr: os.Stderr})
	if err != nil {
		fail(err)
	}
	w.Close()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := bufio.NewReader(r).ReadString('\n'); err != nil {
		fail(err)
	}
	if err := os.WriteFile(os.Getenv("OSPROC_TEST_CGFILE"), []byte(p.Cgroup()), 0o644); err != nil {
		fail(err)
	}
	os.NewFile(3, "ready").Write([]byte("\n"))
	select {}
}

func splitFields(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		out = append(out, f)
	}
	return out
}
