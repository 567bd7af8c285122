package notify

import (
	"fmt"
	"reflect"
	"testing"
)

func TestParseMessage(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		in    string
		want  message
		empty bool
	}{
		{in: "READY=1", want: message{ready: true}},
		{in: "READY=0", want: message{}, empty: true},
		{in: "STATUS=", want: message{status: str("")}},
		{in: "STATUS=a=b c", want: message{status: str("a=b c")}},
		{in: "STATUS=one\nSTATUS=two", want: message{status: str("two")}},
		{in: "STOPPING=1", want: message{stopping: true}},
		{in: "WATCHDOG=1\n", want: message{watchdog: true}},
		{in: "WATCHDOG=trigger", want: message{}, empty: true},
		{in: "MAINPID=123", want: message{mainPID: 123}},
		{in: "MAINPID=0", want: message{}, empty: true},
		{in: "MAINPID=-5", want: message{}, empty: true},
		{in: "MAINPID=x", want: message{}, empty: true},
		{in: "RELOADING=1\nMONOTONIC_USEC=5\nWATCHDOG_USEC=9\nFDSTORE=1", want: message{}, empty: true},
		{in: "", want: message{}, empty: true},
		{in: "garbage\n\n=\nREADY", want: message{}, empty: true},
		{in: "READY=1\nSTATUS=up\nMAINPID=7\nWATCHDOG=1\nSTOPPING=1",
			want: message{ready: true, status: str("up"), mainPID: 7, watchdog: true, stopping: true}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			got := parseMessage([]byte(tc.in))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.empty() != tc.empty {
				t.Errorf("empty() = %v, want %v", got.empty(), tc.empty)
			}
		})
	}
}

func TestMessageDeliverNilCallbacks(t *testing.T) {
	m := parseMessage([]byte("READY=1\nSTATUS=x\nMAINPID=3\nWATCHDOG=1\nSTOPPING=1"))
	m.deliver(Handler{}) // must not panic
	var got []string
	m.deliver(Handler{Ready: func() { got = append(got, "ready") }})
	if !reflect.DeepEqual(got, []string{"ready"}) {
		t.Fatalf("got %v", got)
	}
}
