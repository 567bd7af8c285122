package api

// Reopened is the body of POST /v1/logs/reopen: how many log files supd
// closed and opened again at their paths (`supctl logs --reopen`, for
// logrotate's postrotate).
type Reopened struct {
	Files int `json:"files"`
}
