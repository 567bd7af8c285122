package osproc

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// helperEnv makes the test binary act as a small supd: it starts workers,
// each in a cgroup when there are cgroups, reports, and waits to be killed.
const helperEnv = "OSPROC_TEST_HELPER"

// Further settings of the helper, from its environment.
const (
	helperCgroupFile   = "OSPROC_TEST_CGFILE"   // the first worker's cgroup is written here
	helperGuardianFile = "OSPROC_TEST_GUARDIAN" // start a guardian, and write its pid here
)

// helperMain runs each `testproc ARGS...` of helperEnv (workers split by
// " ; ", each space-separated after the testproc path) in a cgroup
// "helper", writes the first one's cgroup to $OSPROC_TEST_CGFILE once every
// worker is ready, then writes a newline to fd 3 and sleeps. With
// $OSPROC_TEST_GUARDIAN it starts a guardian after the first worker (so
// that it learns of that one at its start, of the others as they start)
// and writes the guardian's pid there.
func helperMain() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	if err := Init(nil); err != nil {
		fail(err)
	}
	var first *Proc
	for i, args := range strings.Split(os.Getenv(helperEnv), " ; ") {
		if i == 1 {
			if err := startHelperGuardian(); err != nil {
				fail(err)
			}
		}
		p, err := startHelperWorker(splitFields(args))
		if err != nil {
			fail(err)
		}
		if first == nil {
			first = p
		}
	}
	if err := os.WriteFile(os.Getenv(helperCgroupFile), []byte(first.Cgroup()), 0o644); err != nil {
		fail(err)
	}
	os.NewFile(3, "ready").Write([]byte("\n"))
	select {}
}

// startHelperGuardian starts the guardian when the helper was asked to.
func startHelperGuardian() error {
	file := os.Getenv(helperGuardianFile)
	if file == "" {
		return nil
	}
	if err := StartGuardian(GuardianOptions{}); err != nil {
		return err
	}
	regMu.Lock()
	pid := guard.proc.pid
	regMu.Unlock()
	return os.WriteFile(file, []byte(strconv.Itoa(pid)), 0o644)
}

// startHelperWorker starts testproc argv and waits for its -ready-fd.
func startHelperWorker(argv []string) (*Proc, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	argv = append(argv, "-ready-fd", "3")
	p, err := Start(Spec{Argv: argv, ExtraFiles: []*os.File{w}, Cgroup: "helper", Stderr: os.Stderr})
	w.Close()
	if err != nil {
		return nil, err
	}
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := bufio.NewReader(r).ReadString('\n'); err != nil {
		return nil, fmt.Errorf("worker %q not ready: %w", argv, err)
	}
	return p, nil
}

func splitFields(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		out = append(out, f)
	}
	return out
}
