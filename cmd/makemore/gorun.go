package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// isGoRunBinary says whether path is where go run put the binary it built
// and ran: the build cache's GOCACHE/ab/ab…-d/NAME (a 64-digit hash), or a
// go-build… temporary directory's b001/exe/NAME. Run from there again it
// would not be rebuilt, and the cache may drop it at any time.
func isGoRunBinary(path string) bool {
	dir := filepath.Dir(path)
	parent := filepath.Dir(dir)
	if filepath.Base(dir) == "exe" {
		return strings.HasPrefix(filepath.Base(filepath.Dir(parent)), "go-build")
	}
	hash, ok := strings.CutSuffix(filepath.Base(dir), "-d")
	return ok && len(hash) == 64 && strings.Trim(hash, "0123456789abcdef") == "" && filepath.Base(parent) == hash[:2]
}

// goRunCommand is the go run command that builds and runs the program of bi
// again from the directory wd: by its directory from the module's root
// (go run ./cmd/makemore, as typed there), by its package path elsewhere in
// the module, and at its version outside it (go run pkg@version). Without
// build information it is plain makemore.
func goRunCommand(bi *debug.BuildInfo, wd string) string {
	if bi == nil || bi.Path == "" {
		return "makemore"
	}
	root, inModule := moduleRoot(wd, bi.Main.Path)
	rel, inMain := strings.CutPrefix(bi.Path, bi.Main.Path+"/")
	switch {
	case inModule && inMain && root == wd:
		return "go run ./" + rel
	case !inModule && bi.Main.Version != "" && bi.Main.Version != "(devel)":
		return "go run " + bi.Path + "@" + bi.Main.Version
	}
	return "go run " + bi.Path
}

// moduleRoot is the directory of the go.mod that holds dir, as go finds it,
// and whether that go.mod is module mod's.
func moduleRoot(dir, mod string) (string, bool) {
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
					return d, strings.Trim(f[1], `"`) == mod
				}
			}
			return d, false
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}
