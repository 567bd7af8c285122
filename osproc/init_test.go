package osproc

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestInitLogsMode(t *testing.T) {
	var buf strings.Builder
	if err := Init(slog.New(slog.NewTextHandler(&buf, nil))); err != nil {
		t.Fatal(err)
	}
	want := "mode=\"process groups only\" reason="
	if base := cgroupBase(); base != "" {
		want = fmt.Sprintf("mode=\"cgroup v2\" dir=%s oom_reported=", base)
	}
	if !strings.Contains(buf.String(), "msg=\"worker containment\" "+want) {
		t.Errorf("log %q, want %q", buf.String(), want)
	}
}
