package ratelog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Limiter lets a burst of lines through, then one per interval, and
// counts the lines it holds back; the next line it lets through says how
// many ("suppressed"). It is safe for concurrent use.
type Limiter struct {
	burst int
	every time.Duration
	now   func() time.Time

	mu         sync.Mutex
	tokens     int
	last       time.Time // when tokens was last topped up
	suppressed int
}

// New returns a Limiter of burst lines at once and one per every after.
func New(burst int, every time.Duration) *Limiter {
	return &Limiter{burst: burst, every: every, now: time.Now, tokens: burst}
}

// Allow reports whether a line may be logged now and, if so, how many were
// held back since the last one let through.
func (l *Limiter) Allow() (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.last.IsZero() {
		l.last = now
	}
	if n := int(now.Sub(l.last) / l.every); n > 0 {
		l.tokens = min(l.burst, l.tokens+n)
		l.last = l.last.Add(time.Duration(n) * l.every)
	}
	if l.tokens == 0 {
		l.suppressed++
		return false, 0
	}
	l.tokens--
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}

// Log logs msg with args at level through log, unless the limit holds it
// back; a line after held-back ones carries "suppressed" with their count.
func (l *Limiter) Log(log *slog.Logger, level slog.Level, msg string, args ...any) {
	if !log.Enabled(context.Background(), level) {
		return
	}
	ok, n := l.Allow()
	if !ok {
		return
	}
	if n > 0 {
		args = append(args, "suppressed", n)
	}
	log.Log(context.Background(), level, msg, args...)
}
