package workdir

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLockHeldNamesPIDAndReleases(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A second open file of the same process conflicts as another process
	// would: flock locks belong to the open file.
	_, err = Acquire(dir)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("second Acquire: %v, want a LockedError naming pid %d", err, os.Getpid())
	}
	if !strings.Contains(err.Error(), "(pid "+strconv.Itoa(os.Getpid())+")") {
		t.Errorf("message %q does not name the pid", err)
	}
	l.Unlock()
	// Acquire created dir and nothing was written there: it is gone.
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty work dir left behind: %v", err)
	}
	l, err = Acquire(dir)
	if err != nil {
		t.Fatalf("after Unlock: %v", err)
	}
	os.WriteFile(CheckpointPath(dir), []byte("x"), 0o644)
	l.Unlock()
	if _, err := os.Stat(CheckpointPath(dir)); err != nil {
		t.Errorf("Unlock removed a work dir with a checkpoint: %v", err)
	}
}

func TestLockFileLeftByKilledRunDoesNotHold(t *testing.T) {
	dir := t.TempDir()
	// What a killed run leaves: its pid, no lock; and a checkpoint and a log
	// that it was writing.
	os.WriteFile(LockPath(dir), []byte("999999\n"), 0o644)
	tmp := filepath.Join(dir, ".model.safetensors.tmp123")
	os.WriteFile(tmp, []byte("half a checkpoint"), 0o644)
	os.WriteFile(filepath.Join(dir, ".loss.csv.tmp9"), nil, 0o644)
	other := filepath.Join(dir, ".loss.png.tmp1") // the plot command's, maybe in use
	os.WriteFile(other, nil, 0o644)
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(LockPath(dir)); string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("lock file holds %q, want this pid", b)
	}
	l.Unlock()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != filepath.Base(other) {
		t.Errorf("left %v, want only %s", entries, filepath.Base(other))
	}
}
