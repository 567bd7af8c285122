// Package examples checks that the examples work as they say: each
// config is valid, and the Kubernetes manifest probes what the example's
// supd.yaml serves. (No container engine runs here, so the Dockerfile is not
// built by the tests.)
package examples
