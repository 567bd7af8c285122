package osproc

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Set once by setup, read-only afterwards (sync.Once orders the writes
// before every read).
var (
	once     sync.Once
	setupErr error
	mode     []any        // how workers are contained: slog attributes
	logger   *slog.Logger // supd's log, given to Init
	cgRoot   *cgroupRoot  // nil: process groups only
	devNull  *os.File     // stdin, stdout and stderr left unset
	spawnc   chan spawnReq
	removec  chan []string // cgroups for the reaper to remove
)

// Init marks the descriptors this process inherited close-on-exec, makes
// it a child subreaper, finds out whether workers can get cgroups (v2) and
// kills what a previous supd that died left in its cgroups, then starts
// the reaper and spawner goroutines. It logs the
// containment mode: "cgroup v2" with its directory, or "process groups
// only" with the reason. Start calls it implicitly (logging nowhere) when
// it was not called first; a later Init only logs the mode again.
//
// Once it has run, nothing else in the process may wait for child
// processes: os/exec's Cmd.Wait, os.Process.Wait or wait4 would race with
// the reaper, which reaps every child.
func Init(log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ran := ensure(log)
	if setupErr == nil && !ran {
		log.Info("worker containment", mode...)
	}
	return setupErr
}

// ensure sets osproc up once; it reports whether this call did it (nil log
// for Start's implicit setup).
func ensure(log *slog.Logger) (ran bool) {
	once.Do(func() {
		ran = true
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		setupErr = setup(log)
	})
	return ran
}

func setup(log *slog.Logger) error {
	logger = log
	if err := closeOnExecAbove2(); err != nil {
		return fmt.Errorf("init processes: marking inherited descriptors close-on-exec: %w", err)
	}
	f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("init processes: %w", err)
	}
	devNull = f
	// Orphaned descendants of workers are reparented to supd, which reaps
	// them; as PID 1 this is so anyway.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("init processes: become child subreaper: %w", err)
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGCHLD)

	var leftovers, populated []string
	cgRoot, leftovers, populated, err = detectCgroups()
	if err != nil {
		mode = []any{"mode", "process groups only", "reason", err.Error()}
	} else {
		mode = []any{"mode", "cgroup v2", "dir", cgRoot.dir, "oom_reported", cgRoot.memory}
	}
	if len(populated) > 0 {
		log.Warn("killed processes left by a supd that died", "cgroups", populated)
	}
	log.Info("worker containment", mode...)

	removec = make(chan []string, 1)
	removec <- leftovers
	spawnc = make(chan spawnReq)
	go reapLoop(log, sigc, removec)
	for range Spawners {
		go spawnLoop(spawnc)
	}
	return nil
}

// CgroupsEnv, set to "off" in supd's environment, keeps every worker in
// supd's own cgroup, as on a host without a writable cgroup v2: for tests,
// and to see what supd does there. It also leaves alone what a dead supd
// left in its cgroups.
const CgroupsEnv = "SUPD_CGROUPS"

// detectCgroups finds this process's cgroup in a writable cgroup2 mount,
// creates its base cgroup there and kills the leftovers of dead supds next
// to it, returning them for removal (and those that held processes).
func detectCgroups() (root *cgroupRoot, leftovers, populated []string, err error) {
	if os.Getenv(CgroupsEnv) == "off" {
		return nil, nil, nil, fmt.Errorf("%s=off", CgroupsEnv)
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("find cgroup2 mount: %w", err)
	}
	cg, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("find own cgroup: %w", err)
	}
	own, err := parseCgroup(cg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("find own cgroup: %w", err)
	}
	parent, err := ownCgroupDir(parseMountinfo(mi), own)
	if err != nil {
		return nil, nil, nil, err
	}
	self, err := readStat(os.Getpid())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read own start time: %w", err)
	}
	if root, err = newCgroupRoot(parent, own, self); err != nil {
		return nil, nil, nil, err
	}
	leftovers, populated = killLeftovers(parent, filepath.Base(root.dir))
	return root, leftovers, populated, nil
}
