package control

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAccessCheck(t *testing.T) {
	groupsOf := func(pid int32, uid uint32) ([]uint32, error) {
		switch pid {
		case 1:
			return []uint32{10, 20}, nil
		case 2:
			return nil, errors.New("no such user")
		}
		return nil, nil
	}
	withGroup := access{self: 500, groups: []uint32{20}, groupsOf: groupsOf}
	noGroup := access{self: 500, groupsOf: groupsOf}
	tests := []struct {
		name string
		a    access
		p    peer
		ok   bool
	}{
		{"root", noGroup, peer{UID: 0, GID: 0}, true},
		{"supd's own uid", noGroup, peer{UID: 500, GID: 500}, true},
		{"stranger without a group configured", noGroup, peer{PID: 1, UID: 1000, GID: 20}, false},
		{"primary group", withGroup, peer{PID: 9, UID: 1000, GID: 20}, true},
		{"supplementary group", withGroup, peer{PID: 1, UID: 1000, GID: 1000}, true},
		{"not a member", withGroup, peer{PID: 3, UID: 1000, GID: 1000}, false},
		{"groups unreadable", withGroup, peer{PID: 2, UID: 1000, GID: 1000}, false},
		{"no credentials", withGroup, peer{Err: errors.New("not a unix socket")}, false},
		{"no credentials even for uid 0", noGroup, peer{UID: 0, Err: errors.New("x")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.a.check(tt.p)
			if (err == nil) != tt.ok {
				t.Errorf("check = %v, want allowed=%v", err, tt.ok)
			}
		})
	}
}

func TestParseStatusGroups(t *testing.T) {
	status := "Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t4 24 1000 \nNSpid:\t1\n"
	tests := []struct {
		name   string
		status string
		uid    uint32
		want   []uint32
		ok     bool
	}{
		{"groups", status, 1000, []uint32{4, 24, 1000}, true},
		{"pid reused by another uid", status, 1001, nil, false},
		{"no groups", "Uid:\t0\t0\t0\t0\nGroups:\t\n", 0, nil, true},
		{"no groups line", "Uid:\t0\t0\t0\t0\n", 0, nil, false},
		{"garbage", "Uid:\t0\nGroups:\tx\n", 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseStatusGroups([]byte(tt.status), tt.uid)
			if ok != tt.ok || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSupplementaryGroupsOfThisProcess(t *testing.T) {
	groups, err := supplementaryGroups(int32(os.Getpid()), uint32(os.Getuid()))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.Getgroups()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(groups) != fmt.Sprint(toUint32(want)) {
		t.Errorf("got %v, want %v", groups, want)
	}
}

func toUint32(v []int) []uint32 {
	out := []uint32{}
	for _, x := range v {
		out = append(out, uint32(x))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// strangerEnv makes the test binary act as a client of the socket it names
// (see TestMain), run as another user by TestStrangerIsRefused.
const strangerEnv = "SUPD_CONTROL_TEST_STRANGER"

func strangerMain(sock string) int {
	resp, err := unixClient(sock).Get("http://supd/v1/tree")
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%d %s", resp.StatusCode, body)
	return 0
}

// runStranger runs this test binary as nobody, as a client of the server,
// and returns what it printed: "STATUS BODY".
func runStranger(t *testing.T, ts *testServer) string {
	t.Helper()
	// The stranger must be able to reach the socket, so that the peer check
	// (and not the file mode) is what decides.
	for _, p := range []string{filepath.Dir(filepath.Dir(ts.sock)), filepath.Dir(ts.sock)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(ts.sock, 0o666); err != nil {
		t.Fatal(err)
	}
	// /proc/self/exe lets the stranger run this binary wherever it lies.
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = append(os.Environ(), strangerEnv+"="+ts.sock, "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("stranger: %v: %s", err, out)
	}
	return string(out)
}

const nobody = 65534

func TestStrangerIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another user")
	}
	ts := startServer(t, newFakeBackend(), Options{})
	out := runStranger(t, ts)
	if !strings.HasPrefix(out, "403 ") || !strings.Contains(out, `"error":"access denied: uid 65534`) {
		t.Errorf("stranger got %q, want 403 and a JSON error", out)
	}
	log := ts.log.String()
	// Refused at accept, before its request was read.
	if !strings.Contains(log, `msg="control: access denied" uid=65534 gid=65534 pid=`) ||
		strings.Contains(log, "method=GET url=/v1/tree") {
		t.Errorf("no audit line for the stranger in the log:\n%s", log)
	}

	// The same user is let in as a member of an allowed group.
	ts = startServer(t, newFakeBackend(), Options{Groups: []int{nobody}})
	if out := runStranger(t, ts); !strings.HasPrefix(out, "200 ") {
		t.Errorf("group member got %q, want 200", out)
	}
}
