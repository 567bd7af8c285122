package packaging_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// run runs a command and returns its combined output, failing the test
// when it fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

// `systemd-analyze verify` accepts the unit as it ships: in a root folder
// holding the unit, an executable at each Exec*= path, systemd's own targets,
// and, on MANPATH, the man pages its Documentation= names. Any warning
// fails the test, as an unknown directive is only a warning there.
func TestUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (make testdeps installs it, as root)")
	}
	units := "/usr/lib/systemd/system"
	targets, _ := filepath.Glob(filepath.Join(units, "*.target"))
	if len(targets) == 0 {
		t.Skipf("no systemd targets under %s to verify the unit against", units)
	}
	root := t.TempDir()
	for _, f := range targets {
		copyFile(t, f, filepath.Join(root, f), 0o644)
	}
	copyFile(t, "systemd/supd.service", filepath.Join(root, "etc/systemd/system/supd.service"), 0o644)
	unit, _ := os.ReadFile("systemd/supd.service")
	exes := regexp.MustCompile(`(?m)^Exec\w+=[-@:+!]*(\S+)`).FindAllSubmatch(unit, -1)
	if len(exes) == 0 {
		t.Fatal("the unit has no Exec*=")
	}
	for _, exe := range exes {
		copyFile(t, "/bin/true", filepath.Join(root, string(exe[1])), 0o755)
	}
	man := filepath.Join(root, "man")
	for _, ref := range regexp.MustCompile(`man:([^ (]+)\((\d)\)`).FindAllStringSubmatch(string(unit), -1) {
		page := filepath.Join("..", "docs", ref[1]+"."+ref[2])
		if _, err := os.Stat(page); err != nil {
			t.Errorf("Documentation= names %s(%s), which docs/ does not have", ref[1], ref[2])
			continue
		}
		copyFile(t, page, filepath.Join(man, "man"+ref[2], ref[1]+"."+ref[2]), 0o644)
	}
	cmd := exec.Command(analyze, "verify", "--root="+root, "supd.service")
	cmd.Env = append(os.Environ(), "MANPATH="+man, "SYSTEMD_LOG_LEVEL=notice")
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// The unit keeps the settings supervision relies on.
func TestUnitSettings(t *testing.T) {
	b, err := os.ReadFile("systemd/supd.service")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]string{}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			set[k] = v
		}
	}
	for k, want := range map[string]string{
		"Type": "notify", "NotifyAccess": "main", "Delegate": "yes", "KillMode": "mixed",
		"ExecReload": "/bin/kill -HUP $MAINPID", "WatchdogSec": "30s", "IgnoreSIGPIPE": "no",
	} {
		if set[k] != want {
			t.Errorf("%s=%q, want %q", k, set[k], want)
		}
	}
	for _, k := range []string{"ProtectSystem", "ProtectHome", "PrivateTmp", "NoNewPrivileges", "ProtectControlGroups", "CapabilityBoundingSet"} {
		if _, ok := set[k]; ok {
			t.Errorf("%s= would bind every worker or break supd's cgroup", k)
		}
	}
}

// debFiles are paths the package must hold, besides every man page under
// docs/.
var debFiles = []string{
	"/usr/bin/supd", "/usr/bin/supctl", "/usr/lib/systemd/system/supd.service", "/etc/supd/supd.yaml",
	"/usr/share/bash-completion/completions/supctl", "/usr/share/bash-completion/completions/supd",
	"/usr/share/zsh/vendor-completions/_supctl", "/usr/share/zsh/vendor-completions/_supd",
	"/usr/share/fish/vendor_completions.d/supctl.fish", "/usr/share/fish/vendor_completions.d/supd.fish",
	"/usr/share/doc/supd/README.md", "/usr/share/doc/supd/examples/logrotate",
}

// manPages lists docs/'s man pages as installed: /usr/share/man/manN/X.N.gz.
func manPages(t *testing.T) []string {
	t.Helper()
	pages, _ := filepath.Glob("../docs/*.[1-8]")
	if len(pages) == 0 {
		t.Fatal("no man pages under docs/")
	}
	var out []string
	for _, p := range pages {
		base := filepath.Base(p)
		out = append(out, fmt.Sprintf("/usr/share/man/man%s/%s.gz", base[len(base)-1:], base))
	}
	return out
}

// The Debian package: `make package` builds it; its metadata and contents
// are checked with dpkg-deb; `apt-get install` installs it on this machine,
// where the programs, man pages, completions, config and group are checked;
// `dpkg --purge` then removes it, leaving nothing behind. Root only, and
// only where supd is not installed already.
func TestDebPackage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: installs the package on this machine with apt-get")
	}
	for _, p := range []string{"dpkg-deb", "dpkg", "apt-get", "make"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is missing: not a Debian system", p)
		}
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "supd").Output(); err == nil && strings.Contains(string(out), "installed") {
		t.Skip("a supd package is installed already; not touching it")
	}
	hadGroup := exec.Command("getent", "group", "supd").Run() == nil

	bin := t.TempDir()
	if err := os.Chmod(bin, 0o755); err != nil { // apt reads the .deb as _apt
		t.Fatal(err)
	}
	run(t, "make", "-C", "..", "package", "BIN="+bin, "PKG_VERSION=1.2.3~test")
	debs, _ := filepath.Glob(filepath.Join(bin, "supd_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("make package made %v", debs)
	}
	deb := debs[0]
	if base := filepath.Base(deb); !strings.HasPrefix(base, "supd_1.2.3~test_") {
		t.Errorf("package file %s", base)
	}

	info := run(t, "dpkg-deb", "--field", deb, "Package", "Version", "Architecture", "Depends", "Maintainer", "Section")
	for _, want := range []string{"Package: supd\n", "Version: 1.2.3~test\n", "Depends: libc6\n", "Section: admin\n", "Maintainer: "} {
		if !strings.Contains(info, want) {
			t.Errorf("control fields lack %q:\n%s", want, info)
		}
	}
	if conf := run(t, "dpkg-deb", "--info", deb, "conffiles"); strings.TrimSpace(conf) != "/etc/supd/supd.yaml" {
		t.Errorf("conffiles %q", conf)
	}
	var contents []string
	for line := range strings.SplitSeq(run(t, "dpkg-deb", "--contents", deb), "\n") {
		if f := strings.Fields(line); len(f) >= 6 {
			contents = append(contents, strings.TrimPrefix(f[5], "."))
		}
	}
	want := append(slices.Clone(debFiles), manPages(t)...)
	for _, w := range want {
		if !slices.Contains(contents, w) {
			t.Errorf("the package lacks %s", w)
		}
	}
	if t.Failed() {
		t.Fatalf("contents:\n%s", strings.Join(contents, "\n"))
	}

	t.Cleanup(func() {
		if exec.Command("dpkg-query", "-W", "supd").Run() == nil {
			_ = exec.Command("dpkg", "--purge", "supd").Run()
		}
	})
	cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", deb)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apt-get install %s: %v\n%s", deb, err, out)
	}
	if v := run(t, "/usr/bin/supd", "--version"); !strings.HasPrefix(v, "supd ") {
		t.Errorf("supd --version: %q", v)
	}
	if h := run(t, "/usr/bin/supctl", "--help"); !strings.Contains(h, "supctl controls a running supd") {
		t.Errorf("supctl --help: %q", h)
	}
	for _, page := range []string{"supd", "supctl"} {
		if w := strings.TrimSpace(run(t, "man", "-w", page)); !strings.HasPrefix(w, "/usr/share/man/man") {
			t.Errorf("man -w %s: %q", page, w)
		}
	}
	for _, f := range want {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("installed: %v", err)
		}
	}
	run(t, "getent", "group", "supd")
	if out := run(t, "/usr/bin/supd", "check", "--config", "/etc/supd/supd.yaml"); !strings.Contains(out, "valid") {
		t.Errorf("supd check of the default config: %s", out)
	}

	run(t, "dpkg", "--purge", "supd")
	for _, f := range append(want, "/etc/supd", "/var/log/supd", "/usr/share/doc/supd", "/usr/share/fish/vendor_completions.d") {
		if _, err := os.Lstat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there after the purge (%v)", f, err)
		}
	}
	if !hadGroup && exec.Command("getent", "group", "supd").Run() == nil {
		t.Error("the supd group is still there after the purge")
	}
	if out, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", "supd").Output(); strings.Contains(string(out), "installed") {
		t.Errorf("dpkg still knows supd: %s", out)
	}
}
