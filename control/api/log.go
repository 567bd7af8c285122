package api

import "time"

// LogLine is one line of a worker's output: an element of GET /v1/logs.
type LogLine struct {
	Time   time.Time `json:"time"`
	Path   string    `json:"path"`
	Stream string    `json:"stream"` // "stdout" or "stderr"
	Text   string    `json:"text"`   // without the trailing newline
}
