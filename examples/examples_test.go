package examples_test

import (
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"supd/config"
)

func TestConfigsAreValid(t *testing.T) {
	for _, f := range []string{"quickstart/supd.yaml", "container/supd.yaml", "kubernetes/supd.yaml"} {
		_, warns, err := config.Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		for _, w := range warns {
			t.Errorf("%s: %v", f, w)
		}
	}
}

// The probe and scrape parts of a pod spec.
type probe struct {
	HTTPGet struct {
		Path string    `yaml:"path"`
		Port yaml.Node `yaml:"port"` // a number or a port's name
	} `yaml:"httpGet"`
}

type pod struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec struct {
		TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
		Containers                    []struct {
			Args  []string `yaml:"args"`
			Ports []struct {
				Name          string `yaml:"name"`
				ContainerPort int    `yaml:"containerPort"`
			} `yaml:"ports"`
			LivenessProbe  *probe `yaml:"livenessProbe"`
			ReadinessProbe *probe `yaml:"readinessProbe"`
			VolumeMounts   []struct {
				Name      string `yaml:"name"`
				MountPath string `yaml:"mountPath"`
			} `yaml:"volumeMounts"`
		} `yaml:"containers"`
	} `yaml:"spec"`
}

func readPods(t *testing.T, file string) []pod {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var pods []pod
	for {
		var p pod
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if p.Kind == "Pod" {
			pods = append(pods, p)
		}
	}
	if len(pods) != 1 {
		t.Fatalf("%s: %d pods, want 1", file, len(pods))
	}
	return pods
}

// The pod's liveness probe asks /healthz and its readiness probe /readyz,
// Prometheus scrapes /metrics, all on the port of the example's
// control.http, which listens on every address (the kubelet probes the
// pod's); supd gets the config where the ConfigMap is mounted, and the
// grace period outlasts shutdown_timeout.
func TestKubernetesProbesMatchTheConfig(t *testing.T) {
	cfg, _, err := config.Load("kubernetes/supd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	host, portText, err := net.SplitHostPort(cfg.Control.HTTP)
	if err != nil {
		t.Fatalf("control.http %q: %v", cfg.Control.HTTP, err)
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		t.Errorf("control.http listens on %s: the kubelet's probes come to the pod's address", host)
	}
	port, _ := strconv.Atoi(portText)

	p := readPods(t, "kubernetes/pod.yaml")[0]
	if len(p.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want supd's alone", len(p.Spec.Containers))
	}
	c := p.Spec.Containers[0]
	named := map[string]int{}
	for _, cp := range c.Ports {
		named[cp.Name] = cp.ContainerPort
	}
	resolve := func(n yaml.Node) int {
		if v, err := strconv.Atoi(n.Value); err == nil {
			return v
		}
		return named[n.Value]
	}
	for _, pr := range []struct {
		what string
		p    *probe
		path string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		switch {
		case pr.p == nil:
			t.Errorf("no %s probe", pr.what)
		case pr.p.HTTPGet.Path != pr.path:
			t.Errorf("%s probe asks %s, want %s", pr.what, pr.p.HTTPGet.Path, pr.path)
		case resolve(pr.p.HTTPGet.Port) != port:
			t.Errorf("%s probe asks port %q, control.http is %d", pr.what, pr.p.HTTPGet.Port.Value, port)
		}
	}
	a := p.Metadata.Annotations
	if a["prometheus.io/scrape"] != "true" || a["prometheus.io/path"] != "/metrics" || a["prometheus.io/port"] != portText {
		t.Errorf("scrape annotations %v, want /metrics on port %s", a, portText)
	}
	i := slices.Index(c.Args, "--config")
	if i < 0 || i+1 >= len(c.Args) {
		t.Fatalf("args %v do not name the config", c.Args)
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		if m.MountPath+"/supd.yaml" == c.Args[i+1] {
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("--config %s is not in a mounted volume", c.Args[i+1])
	}
	if grace := time.Duration(p.Spec.TerminationGracePeriodSeconds) * time.Second; grace <= cfg.ShutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds %v does not outlast shutdown_timeout %v", grace, cfg.ShutdownTimeout)
	}
}
