package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// execute runs makemore in-process with args, returning what it wrote to
// the command's stdout and stderr.
func execute(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb)
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errb.String(), err
}

// Every command writes through its cobra streams, results to stdout and
// progress to stderr, so it can run in-process.
func TestCommandsWriteThroughTheirStreams(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args           []string
		stdout, stderr string // regexps
	}{
		{[]string{"train", "-o", dir, "--max-steps", "200", "--n-hidden", "8"}, `^train \d\.\d{4}\nval \d\.\d{4}\n$`, `(?s)^makemore: training mlp .*\nmakemore: 32257 words .*saved .*model\.safetensors\n$`},
		{[]string{"eval", "-o", dir, "-q"}, `^train \d\.\d{4}\nval \d\.\d{4}\ntest \d\.\d{4}\n$`, `^$`},
		{[]string{"sample", "-o", dir, "-n", "3", "--seed", "1"}, `^([a-z]+\n){3}$`, `^makemore: 3 samples: `},
		{[]string{"score", "-o", dir, "emma", "ë"}, `^emma\t\d\.\d{4}\n$`, `^makemore: score "ë": 'ë' is not in the model's vocabulary`},
		{[]string{"plot", "-o", dir}, `^$`, `^makemore: wrote .*loss\.png\n$`},
		{[]string{"gradcheck", "--n-hidden", "8", "-b", "4"}, `(?m)^W1 +\| exact: `, `^$`},
		{[]string{"version"}, `^makemore `, `^$`},
	} {
		stdout, stderr, _ := execute(t, c.args...)
		if !regexp.MustCompile(c.stdout).MatchString(stdout) || !regexp.MustCompile(c.stderr).MatchString(stderr) {
			t.Errorf("makemore %s:\nstdout %q, want %s\nstderr %q, want %s", strings.Join(c.args, " "), stdout, c.stdout, stderr, c.stderr)
		}
	}
}
