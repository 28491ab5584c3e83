package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// go run's binaries, in the build cache or a go-build work dir, are told
// from a binary the user put anywhere else.
func TestIsGoRunBinary(t *testing.T) {
	const hash = "0faaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	for path, want := range map[string]bool{
		"/root/.cache/go-build/0f/" + hash + "-d/makemore":      true,
		"/work/.gocache/0f/" + hash + "-d/makemore":             true, // any GOCACHE
		"/tmp/go-build3777106909/b001/exe/makemore":             true,
		"/var/folders/x/T/go-build123/b001/exe/makemore":        true,
		"/root/.cache/go-build/aa/" + hash + "-d/makemore":      false, // not the hash's directory
		"/root/.cache/go-build/0f/" + hash[:60] + "-d/makemore": false,
		"/tmp/makemore":               false,
		"./bin/makemore":              false,
		"/usr/local/bin/exe/makemore": false,
		"makemore":                    false,
	} {
		if got := isGoRunBinary(path); got != want {
			t.Errorf("isGoRunBinary(%q) = %v, want %v", path, got, want)
		}
	}
}

// The go run command of a hint runs from where the user is: the package's
// directory from the module's root, its path elsewhere in the module, and
// its version outside it.
func TestGoRunCommand(t *testing.T) {
	root, other := t.TempDir(), t.TempDir()
	write := func(path, text string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "go.mod"), "// the repository\nmodule github.com/makemore/makemore\n\ngo 1.26\n")
	write(filepath.Join(root, "docs", "x.md"), "")
	write(filepath.Join(other, "go.mod"), "module example.com/other\n")
	bi := func(version string) *debug.BuildInfo {
		return &debug.BuildInfo{Path: "github.com/makemore/makemore/cmd/makemore", Main: debug.Module{Path: "github.com/makemore/makemore", Version: version}}
	}
	for _, c := range []struct {
		bi   *debug.BuildInfo
		wd   string
		want string
	}{
		{bi("(devel)"), root, "go run ./cmd/makemore"},
		{bi("(devel)"), filepath.Join(root, "docs"), "go run github.com/makemore/makemore/cmd/makemore"},
		{bi("v1.2.3"), other, "go run github.com/makemore/makemore/cmd/makemore@v1.2.3"},
		{bi("(devel)"), other, "go run github.com/makemore/makemore/cmd/makemore"},
		{nil, root, "makemore"},
	} {
		if got := goRunCommand(c.bi, c.wd); got != c.want {
			t.Errorf("goRunCommand in %s = %q, want %q", c.wd, got, c.want)
		}
	}
}
