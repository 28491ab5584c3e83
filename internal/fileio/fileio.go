// Package fileio holds the file handling the commands share: atomic writes and
// error messages that name a file once.
package fileio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// WriteAtomic stores b at path so that a crash at any point leaves either the
// old file or the new one, never a partial one: a temporary file in the same
// directory, fsync, rename over path, fsync the directory. The new file is
// readable by all (0644), as a checkpoint or a plot is meant to be shared.
func WriteAtomic(path string, b []byte) (err error) {
	// The temporary file must be in the same directory: rename is only atomic
	// within one file system.
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		return err
	}
	// Without this, the rename can reach the disk before the data, and a
	// crash leaves an empty or partial file under the final name.
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	// The rename lives in the directory; sync it so the new file survives a crash.
	d, err := os.Open(dir)
	if err != nil {
		return nil // the new file is in place; only its durability is uncertain
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp" }

// RemoveTemps removes the temporary files of path that WriteAtomic left
// when its process was killed mid-write. Only for a file that the caller
// alone writes: another writer's temporary file may be in use.
func RemoveTemps(path string) {
	dir := filepath.Dir(path)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix(path)) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Cause drops the operation and path from os errors, for messages that
// already name the file (a temporary name would only confuse).
func Cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
