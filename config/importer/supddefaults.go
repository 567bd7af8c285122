package importer

import (
	"sync"
	"time"

	"supd/config"
)

// supdDefaults are supd's own defaults for a worker and a whole file, read
// from config itself (its field tables hold them) by loading the smallest
// config there is.
var supdDefaults = sync.OnceValue(func() struct {
	worker   config.Worker
	shutdown time.Duration
} {
	const smallest = "version: 1\nroot:\n  children:\n    - {name: x, command: x}\n"
	c, _, err := config.Parse("defaults.yaml", []byte(smallest), func(string) (string, bool) { return "", false })
	if err != nil {
		panic("importer: supd refuses its smallest config: " + err.Error())
	}
	return struct {
		worker   config.Worker
		shutdown time.Duration
	}{*c.Root.Children[0].Worker, c.ShutdownTimeout}
})
