package config

import "testing"

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"api", true},
		{"API_v2.1-b", true},
		{"0", true},
		{"...", true},
		{".", false},
		{"..", false},
		{"", false},
		{"a/b", false},
		{"a b", false},
		{"é", false},
		{"a:b", false},
	}
	for _, tt := range tests {
		if got := validName(tt.name); got != tt.ok {
			t.Errorf("validName(%q) = %v", tt.name, got)
		}
	}
}

func TestSupervisorDefaultsAndFields(t *testing.T) {
	c := mustParse(t, `version: 1
root:
  children:
    - name: s
      strategy: one_for_all
      max_restarts: 10
      period: 30s
      start: parallel
      stop: parallel
      restart: transient
      auto_shutdown: any_significant
      significant: true
      children:
        - {name: w, command: [x], significant: true, restart: transient}
    - name: empty
      children: []
`)
	s := c.Root.Children[0].Supervisor
	if s.Name != "s" || s.Strategy != OneForAll || s.MaxRestarts != 10 || s.Period.String() != "30s" ||
		s.Start != Parallel || s.Stop != Parallel || s.Restart != Transient || s.AutoShutdown != AnySignificant || !s.Significant ||
		len(s.Children) != 1 {
		t.Errorf("supervisor = %+v", s)
	}
	n := c.Root.Children[0]
	if n.Name() != "s" || n.RestartType() != Transient || !n.IsSignificant() {
		t.Errorf("node accessors: %q %v %v", n.Name(), n.RestartType(), n.IsSignificant())
	}
	if e := c.Root.Children[1].Supervisor; e == nil || e.Children == nil || len(e.Children) != 0 {
		t.Errorf("empty supervisor = %+v", e)
	}
}
