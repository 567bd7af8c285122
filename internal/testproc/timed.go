package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"supd/internal/testproc/testprocbuild"
)

func line(stream string, seq, length int) string { return testprocbuild.Line(stream, seq, length) }

// listeners bound by listen, served by startTimed.
var (
	httpLn net.Listener
	tcpLn  net.Listener
)

// listen binds -http and -tcp now, so that they accept before readiness is
// reported, and returns the "kind ADDR\n" lines for -addr-file.
func listen(o *options) ([]string, error) {
	var addrs []string
	if o.http != "" {
		ln, err := net.Listen("tcp", o.http)
		if err != nil {
			return nil, fmt.Errorf("listen http: %w", err)
		}
		httpLn = ln
		addrs = append(addrs, "http "+ln.Addr().String()+"\n")
	}
	if o.tcp != "" {
		ln, err := net.Listen("tcp", o.tcp)
		if err != nil {
			return nil, fmt.Errorf("listen tcp: %w", err)
		}
		tcpLn = ln
		addrs = append(addrs, "tcp "+ln.Addr().String()+"\n")
	}
	return addrs, nil
}

// startTimed starts one goroutine per timed action.
func startTimed(o *options, kids []kid) {
	if o.notifyReady >= 0 {
		msg := []string{"READY=1"}
		if o.status != "" {
			msg = append(msg, "STATUS="+o.status)
		}
		if o.mainpidChild && len(kids) > 0 {
			msg = append(msg, fmt.Sprintf("MAINPID=%d", kids[0].pid))
		}
		time.AfterFunc(o.notifyReady, func() { notify(strings.Join(msg, "\n")) })
	} else if o.status != "" {
		notify("STATUS=" + o.status)
	}
	if o.watchdog > 0 {
		go watchdog(o.watchdog, o.watchdogFor)
	}
	if o.printEvery > 0 {
		go printEvery(o.printEvery, o.lineLen)
	}
	if o.readyFD >= 0 {
		time.AfterFunc(o.readyAfter, func() {
			f := os.NewFile(uintptr(o.readyFD), "ready-fd")
			if _, err := f.Write([]byte("\n")); err != nil {
				fmt.Fprintln(os.Stderr, "testproc: ready-fd:", err)
			}
			f.Close()
		})
	}
	if httpLn != nil {
		go serveHTTP(httpLn, o.httpFailAfter)
	}
	if tcpLn != nil {
		go serveTCP(tcpLn, o.tcpStopAfter)
	}
}

// notify sends one datagram to $NOTIFY_SOCKET, as sd_notify does.
func notify(msg string) {
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" {
		return
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "testproc: notify:", err)
		return
	}
	defer c.Close()
	if _, err := c.Write([]byte(msg)); err != nil {
		fmt.Fprintln(os.Stderr, "testproc: notify:", err)
	}
}

func watchdog(every, total time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var end <-chan time.Time
	if total > 0 {
		end = time.After(total)
	}
	notify("WATCHDOG=1")
	for {
		select {
		case <-t.C:
			notify("WATCHDOG=1")
		case <-end:
			return
		}
	}
}

// serveHTTP answers 200 until failAfter has passed (never when 0), then 500,
// and says so on stdout.
func serveHTTP(ln net.Listener, failAfter time.Duration) {
	var failing atomic.Bool
	if failAfter > 0 {
		time.AfterFunc(failAfter, func() {
			failing.Store(true)
			fmt.Println("testproc: http failing")
		})
	}
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "failing", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
}

// serveTCP accepts and closes connections until stopAfter has passed (never
// when 0), then closes the listener and says so on stdout.
func serveTCP(ln net.Listener, stopAfter time.Duration) {
	if stopAfter > 0 {
		time.AfterFunc(stopAfter, func() {
			ln.Close()
			fmt.Println("testproc: tcp stopped")
		})
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}
