package api

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDurationJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{`"10m"`, 10 * time.Minute, false},
		{`"1m30s"`, 90 * time.Second, false},
		{`"0s"`, 0, false},
		{`"10"`, 0, true},
		{`10`, 0, true},
		{`"soon"`, 0, true},
		{`null`, 0, false}, // null leaves the zero value, as encoding/json does for every type
	}
	for _, tt := range tests {
		var d Duration
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err != nil) != tt.wantErr {
			t.Errorf("Unmarshal(%s): err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && time.Duration(d) != tt.want {
			t.Errorf("Unmarshal(%s) = %v, want %v", tt.in, time.Duration(d), tt.want)
		}
	}
	b, _ := json.Marshal(Duration(1500 * time.Millisecond))
	if string(b) != `"1.5s"` {
		t.Errorf("Marshal = %s", b)
	}
}
