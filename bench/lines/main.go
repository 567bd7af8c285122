package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: lines N SIZE [STAMP_FILE]")
		os.Exit(2)
	}
	n, err1 := strconv.Atoi(os.Args[1])
	size, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil || size < 12 || size > 64<<10 {
		fmt.Fprintln(os.Stderr, "lines: N and SIZE (12 to 65536) must be numbers")
		os.Exit(2)
	}
	if len(os.Args) > 3 {
		var ts unix.Timespec
		_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
		if err := os.WriteFile(os.Args[3], []byte(strconv.FormatInt(ts.Nano(), 10)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	per := (64 << 10) / size
	chunk := make([]byte, per*size)
	for j := range per {
		l := chunk[j*size : (j+1)*size]
		for k := 11; k < size-1; k++ {
			l[k] = 'a' + byte(k%26)
		}
		l[10], l[size-1] = ' ', '\n'
	}
	for i := 0; i < n; i += per {
		k := min(per, n-i)
		for j := range k {
			num(chunk[j*size:j*size+10], i+j+1)
		}
		if _, err := os.Stdout.Write(chunk[:k*size]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// num writes v in 10 decimal digits.
func num(b []byte, v int) {
	for i := 9; i >= 0; i-- {
		b[i] = '0' + byte(v%10)
		v /= 10
	}
}
