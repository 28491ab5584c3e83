package main

import (
	"encoding/json"
	"math"
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

// TestInspectGainWithoutBatchNorm is lecture 3's point, read from inspect
// --json on the deep tanh stack at init. Without batchnorm the gain decides:
// at 1 every tanh shrinks the activations further and the gradient fades on
// its way back to the first layer, at 5/3 both hold steady after the first
// layer, at 3 every layer saturates and the gradient grows on its way back.
// With batchnorm after every Linear, the gain changes none of it.
func TestInspectGainWithoutBatchNorm(t *testing.T) {
	out := t.TempDir()
	layers := func(gain string, flags ...string) []inspectLayer {
		t.Helper()
		args := append([]string{"inspect", "--init", "--n-layer", "5", "--n-hidden", "100", "-b", "64", "--gain", gain, "--json", "-q", "--out", out}, flags...)
		js, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("makemore %s: %v", strings.Join(args, " "), err)
		}
		var rep struct{ Layers []inspectLayer }
		if err := json.Unmarshal(js, &rep); err != nil || len(rep.Layers) != 5 {
			t.Fatalf("makemore %s: %v, %d layers in %s", strings.Join(args, " "), err, len(rep.Layers), js)
		}
		return rep.Layers
	}
	first, last := 0, 4
	g1 := layers("1", "--batchnorm=false")
	for i := 1; i < len(g1); i++ {
		if g1[i].ActStd >= g1[i-1].ActStd {
			t.Errorf("gain 1 without batchnorm: %s's act std %.4f is not below %s's %.4f", g1[i].Name, g1[i].ActStd, g1[i-1].Name, g1[i-1].ActStd)
		}
	}
	if g1[last].ActStd > 0.6*g1[first].ActStd || g1[first].GradStd > 0.7*g1[last].GradStd {
		t.Errorf("gain 1 without batchnorm: act std %.4f → %.4f and grad std %.3g → %.3g from h1 to h5; want the activations to shrink and the gradient to fade toward h1",
			g1[first].ActStd, g1[last].ActStd, g1[first].GradStd, g1[last].GradStd)
	}
	g53 := layers("0", "--batchnorm=false") // tanh's own gain, 5/3
	for _, l := range g53[1:] {
		if r := l.ActStd / g53[1].ActStd; r < 0.85 || l.SaturationPct > 15 {
			t.Errorf("gain 5/3 without batchnorm: %s's act std is %.2f of h2's and %.1f%% saturated; want it steady, little saturated", l.Name, r, l.SaturationPct)
		}
	}
	g3 := layers("3", "--batchnorm=false")
	for _, l := range g3 {
		if l.SaturationPct < 30 {
			t.Errorf("gain 3 without batchnorm: %s is %.1f%% saturated; want more than 30%%", l.Name, l.SaturationPct)
		}
	}
	if g3[first].GradStd < 2*g3[last].GradStd {
		t.Errorf("gain 3 without batchnorm: grad std %.3g at h1, %.3g at h5; want it to grow toward h1", g3[first].GradStd, g3[last].GradStd)
	}
	bn1, bn53 := layers("1"), layers("0")
	for i := range bn1 {
		if d := math.Abs(bn1[i].ActStd - bn53[i].ActStd); d > 1e-5 {
			t.Errorf("with batchnorm, %s's act std is %.6f at gain 1 and %.6f at 5/3; want the same", bn1[i].Name, bn1[i].ActStd, bn53[i].ActStd)
		}
	}
}

// inspectLayer is one entry of inspect --json's layers.
type inspectLayer struct {
	Name          string
	ActStd        float64 `json:"act_std"`
	SaturationPct float64 `json:"saturation_pct"`
	GradStd       float64 `json:"grad_std"`
}
