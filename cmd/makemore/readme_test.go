package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// tourMaxSteps keeps README's training commands short: the test checks that each
// command runs as printed, not the losses of a full run.
const tourMaxSteps = "300"

// TestReadmeTour runs the commands of README's "A short tour", in order, as a reader
// would from the repository's root after the set-up, so README cannot drift from the
// CLI. A command is a line that starts with "$ " inside a fenced block of that section;
// the lines after it are its pasted output, which this does not compare (the test's
// runs are too short to print the same losses). Each command runs through sh, so pipes
// and redirections work as they do for the reader.
func TestReadmeTour(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := tourCommands(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	// A README rewritten into another shape would otherwise leave nothing to run.
	if len(cmds) < 8 {
		t.Fatalf("README's tour has %d commands, want at least 8: %q", len(cmds), cmds)
	}
	var script strings.Builder
	for _, c := range cmds {
		fmt.Fprintf(&script, "# README: $ %s\nexec sh -c %s\n", c, quoteScript(runnable(c)))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tour.txtar"), []byte(script.String()), 0o666); err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Abs("../../names.txt")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: dir,
		Setup: func(env *testscript.Env) error {
			// The repository's root as the tour uses it: bin/makemore and names.txt.
			if err := os.Mkdir(filepath.Join(env.WorkDir, "bin"), 0o777); err != nil {
				return err
			}
			if err := os.Symlink(bin, filepath.Join(env.WorkDir, "bin", "makemore")); err != nil {
				return err
			}
			return os.Symlink(names, filepath.Join(env.WorkDir, "names.txt"))
		},
		RequireExplicitExec: true,
	})
}

// tourCommands returns the "$ " lines of the fenced blocks under README's
// "## A short tour", up to the next second-level heading, without the prompt.
func tourCommands(readme string) ([]string, error) {
	const heading = "## A short tour\n"
	start := strings.Index(readme, heading)
	if start < 0 {
		return nil, fmt.Errorf("README has no %q heading", strings.TrimSpace(heading))
	}
	section := readme[start+len(heading):]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var cmds []string
	fenced := false
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if cmd, ok := strings.CutPrefix(line, "$ "); fenced && ok {
			cmds = append(cmds, cmd)
		}
	}
	if fenced {
		return nil, fmt.Errorf("README's tour has a fenced block that does not end")
	}
	return cmds, nil
}

var (
	trailingComment = regexp.MustCompile(`\s+#.*$`)
	trainCommand    = regexp.MustCompile(`(^|[\s/])makemore train(\s|$)`)
)

// runnable turns a tour command into what the test runs. make train is the
// Makefile's recipe without its build step (TestMain built the binary), and every
// training command gets a small --max-steps; pflag takes the last value given, so a
// command that sets its own is shortened too.
func runnable(cmd string) string {
	cmd = trailingComment.ReplaceAllString(cmd, "")
	if cmd == "make train" {
		cmd = "bin/makemore train"
	}
	if trainCommand.MatchString(cmd) {
		cmd += " --max-steps " + tourMaxSteps
	}
	return cmd
}

// quoteScript quotes s as one testscript argument.
func quoteScript(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
