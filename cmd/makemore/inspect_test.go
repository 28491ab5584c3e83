package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pythonWithTorch is a python3 that can import torch, or "".
func pythonWithTorch() string {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import torch").Run() == nil {
			return p
		}
	}
	return ""
}

// TestInspectMatchesPyTorch trains short runs of every kind of model, runs
// inspect --json on each over the examples of a words file, and has
// bench/inspect_torch.py recompute every statistic with PyTorch autograd on
// the same weights and batch: each must agree within 1e-4 relative.
func TestInspectMatchesPyTorch(t *testing.T) {
	py := pythonWithTorch()
	if py == "" {
		t.Skip("no python3 with torch on this machine (apt-get install python3-torch adds it): inspect is not compared with PyTorch")
	}
	script, err := filepath.Abs("../../bench/inspect_torch.py")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Trained on the first 1,000 bundled names: the final calibration and eval
	// over the whole split would take longer than the steps.
	names, err := os.ReadFile("../../names.txt")
	if err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(dir, "first.txt")
	if err := os.WriteFile(first, []byte(strings.Join(strings.SplitN(string(names), "\n", 1001)[:1000], "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	words := filepath.Join(dir, "words.txt")
	if err := os.WriteFile(words, []byte(strings.Join([]string{"emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte",
		"amelia", "evelyn", "abigail", "harper", "emily", "elizabeth", "avery", "sofia", "ella", "madison", "scarlett", "victoria",
		"aria", "grace", "chloe", "camila", "penelope", "riley", "layla", "lillian", "nora", "zoey", "mila", "aubrey", "hannah"}, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		flags []string
	}{
		{"part4", []string{"--max-steps", "2000"}},
		{"part3", []string{"--preset", "part3", "--max-steps", "300"}},
		{"part5", []string{"--preset", "part5", "--max-steps", "300"}},
		{"best", []string{"--preset", "best", "--max-steps", "300"}},
		{"relu3", []string{"--n-layer", "3", "--activation", "relu", "--n-hidden", "48", "--max-steps", "300"}},
		{"nobn5", []string{"--batchnorm=false", "--n-layer", "5", "--n-hidden", "48", "--max-steps", "300"}},
		{"nobn-part5", []string{"--preset", "part5", "--batchnorm=false", "--max-steps", "300"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			work := filepath.Join(dir, c.name)
			run := func(name string, args ...string) []byte {
				out, err := exec.Command(name, args...).Output()
				if err != nil {
					msg := err.Error()
					if ee, ok := err.(*exec.ExitError); ok {
						msg += "\n" + string(ee.Stderr)
					}
					t.Fatalf("%s %s: %s\n%s", name, strings.Join(args, " "), msg, out)
				}
				return out
			}
			run(bin, append([]string{"train", "-q", "-i", first, "-o", work, "--eval-every", "0"}, c.flags...)...)
			js := filepath.Join(work, "inspect.json")
			if err := os.WriteFile(js, run(bin, "inspect", "-q", "-o", work, "--words", words, "--json"), 0o644); err != nil {
				t.Fatal(err)
			}
			out := run(py, script, filepath.Join(work, "model.safetensors"), words, js)
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			t.Log(strings.Join(lines[len(lines)-2:], "; "))
		})
	}
}
