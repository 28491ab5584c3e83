package workdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/makemore/makemore/internal/fileio"
)

// LockPath is the file a training run holds locked in dir, with its pid.
func LockPath(dir string) string { return filepath.Join(dir, "train.lock") }

// Lock is a work dir held by one training run: two runs writing the same
// checkpoint and loss log would leave one's model with the other's log.
// The lock is the operating system's (flock), so it ends with the process
// however it ends; a file left by a killed run does not hold anything.
type Lock struct {
	f       *os.File
	dir     string
	created bool // Unlock removes dir if it is still empty
}

// LockedError is a work dir that another training run holds.
type LockedError struct {
	Dir string
	PID int // 0 when the holder has not written it yet
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s: another %s is running in this work dir; wait for it, stop it, or pass another with -o", e.Dir, trainRun(e.PID))
}

// trainRun names the training run of pid, 0 when it has not written it yet.
func trainRun(pid int) string {
	if pid > 0 {
		return fmt.Sprintf("makemore train (pid %d)", pid)
	}
	return "makemore train"
}

// training says whether another training run holds dir, and its pid (see
// LockedError), without waiting: a work dir without a checkpoint may be one
// whose run has not saved its first yet. The test takes the lock for an
// instant when it is free, so a run starting in that instant would find it
// held; only a command that found no checkpoint asks. A run resuming holds
// the lock itself, under its own pid.
func training(dir string) (pid int, ok bool) {
	f, err := os.Open(LockPath(dir))
	if err != nil {
		return 0, false
	}
	defer f.Close() // releases the lock if this took it
	if held, err := tryLock(f); err != nil || held {
		return 0, false
	}
	pid = readPID(LockPath(dir))
	return pid, pid != os.Getpid()
}

// Acquire creates dir if need be and locks it for one training run, or
// fails at once with a *LockedError when another run holds it. eval,
// sample, score and plot do not take it: they read checkpoints, which are
// replaced atomically.
func Acquire(dir string) (*Lock, error) {
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: cannot create the work dir: %v; pass another with -o", dir, fileio.Cause(err))
	}
	path := LockPath(dir)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot write in the work dir: %v; make it writable or pass another with -o", dir, fileio.Cause(err))
		}
		held, err := tryLock(f)
		if err != nil || !held {
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: cannot lock the work dir: %v", dir, err)
			}
			return nil, &LockedError{Dir: dir, PID: readPID(path)}
		}
		// The run before may have removed the file between our open and our
		// lock: the lock is then on a file nobody else will open, and the
		// next run would lock the one now at path.
		if fi, err := f.Stat(); err == nil {
			if now, err := os.Stat(path); err == nil && os.SameFile(fi, now) {
				l := &Lock{f: f, dir: dir, created: errors.Is(statErr, os.ErrNotExist)}
				// Only informative, for the message of a run that finds the lock held.
				f.Truncate(0)
				f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
				// A run killed while saving leaves its temporary file; only a
				// run holding the lock writes these two.
				fileio.RemoveTemps(CheckpointPath(dir))
				fileio.RemoveTemps(LossLogPath(dir))
				return l, nil
			}
		}
		f.Close()
	}
}

// Unlock releases the work dir, removing the lock file (while still
// holding it, see Acquire) and the dir itself when Acquire created it and
// nothing was written there.
func (l *Lock) Unlock() {
	os.Remove(l.f.Name())
	l.f.Close()
	if l.created {
		os.Remove(l.dir) // fails, as it should, unless empty
	}
}

func readPID(path string) int {
	b, _ := os.ReadFile(path)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}
