package daemon

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckVerbose(t *testing.T) {
	file := filepath.Join(t.TempDir(), "supd.yaml")
	yaml := `version: 1
root:
  children:
    - name: web
      strategy: rest_for_one
      children:
        - {name: api, command: [x], replicas: 2}
        - {name: cache, command: [x]}
    - {name: none, command: [x], replicas: 0}
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	want := `web        supervisor rest_for_one
web/api    replica set of 2
web/api/0  worker
web/api/1  worker
web/cache  worker
none       replica set of 0
` + file + ": valid\n"
	var out, errw bytes.Buffer
	if code := Check(file, true, &out, &errw); code != ExitOK || out.String() != want || errw.Len() > 0 {
		t.Errorf("check -v: exit %d\n%s\nwant\n%s\nstderr %s", code, out.String(), want, errw.String())
	}
	out.Reset()
	if code := Check(file, false, &out, &errw); code != ExitOK || strings.Contains(out.String(), "web/api/0") {
		t.Errorf("check without -v: exit %d, %q", code, out.String())
	}
}
