package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: floor respawn|spawn N PROG [ARGS...]")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil && os.Args[1] != "copy" {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	argv := os.Args[3:]
	prog, err := exec.LookPath(argv[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	attr := &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}, Sys: &syscall.SysProcAttr{Setpgid: true}}
	// A mode ending in "-cg" gives each start a fresh cgroup, as supd does.
	var cg *cgroups
	if mode, ok := strings.CutSuffix(os.Args[1], "-cg"); ok {
		os.Args[1] = mode
		if cg, err = newCgroups(); err != nil {
			fmt.Fprintln(os.Stderr, "cgroups:", err)
			os.Exit(1)
		}
		defer cg.close()
	}
	start := func() (int, string, error) {
		if cg != nil {
			return cg.forkExec(prog, argv, attr)
		}
		pid, err := syscall.ForkExec(prog, argv, attr)
		return pid, "", err
	}
	switch os.Args[1] {
	case "copy":
		// floor copy FILE PROG ARGS: n is the file's name here.
		if err := copyOut(os.Args[2], prog, argv, attr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "respawn":
		for i := 0; i < n; i++ {
			pid, dir, err := start()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			var ws syscall.WaitStatus
			if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			if dir != "" {
				cg.remove(dir)
			}
		}
	case "spawn", "spawn-seq":
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		t0 := time.Now()
		pids := make([]int, 0, n)
		dirs := map[int]string{}
		for i := 0; i < n; i++ {
			pid, dir, err := start()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			pids = append(pids, pid)
			if dir != "" {
				dirs[pid] = dir
			}
		}
		fmt.Printf("running %.6f\n", time.Since(t0).Seconds())
		<-term
		t1 := time.Now()
		if os.Args[1] == "spawn-seq" {
			for i := len(pids) - 1; i >= 0; i-- {
				_ = syscall.Kill(-pids[i], syscall.SIGTERM)
				var ws syscall.WaitStatus
				_, _ = syscall.Wait4(pids[i], &ws, 0, nil)
				if d, ok := dirs[pids[i]]; ok {
					cg.remove(d)
				}
			}
		} else {
			for _, p := range pids {
				_ = syscall.Kill(-p, syscall.SIGTERM)
			}
			for range pids {
				var ws syscall.WaitStatus
				pid, _ := syscall.Wait4(-1, &ws, 0, nil)
				if d, ok := dirs[pid]; ok {
					cg.remove(d)
				}
			}
		}
		if cg != nil {
			cg.drain()
		}
		fmt.Printf("stopped %.6f\n", time.Since(t1).Seconds())
	default:
		os.Exit(2)
	}
}

// copyOut runs PROG with its stdout into a pipe and copies the pipe into
// the file, as a supervisor that keeps a worker's output in a file must at
// least do: reads of 64 KiB, each written as it came.
func copyOut(name, prog string, argv []string, attr *syscall.ProcAttr) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	defer f.Close()
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return err
	}
	a := *attr
	a.Files = []uintptr{0, uintptr(p[1]), 2}
	pid, err := syscall.ForkExec(prog, argv, &a)
	syscall.Close(p[1])
	if err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(p[0], buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		if _, err := f.Write(buf[:n]); err != nil {
			return err
		}
	}
	var ws syscall.WaitStatus
	_, err = syscall.Wait4(pid, &ws, 0, nil)
	return err
}
