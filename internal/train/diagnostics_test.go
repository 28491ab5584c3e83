package train

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/makemore/makemore/internal/inspect"
	"github.com/makemore/makemore/internal/model"
)

// The update log holds, every N steps, log10 of the std of lr·∇W over the
// std of W after the update, per 2-D weight: checked against the lecture's
// formula computed here in float64 from the float32 lr·∇W.
func TestUpdateLog(t *testing.T) {
	tr, pool, _ := newTrainer(1, model.Config{Block: 3, Embd: 4, Hidden: 24, Layers: 2}, 100)
	defer pool.Close()
	path := filepath.Join(t.TempDir(), "update.csv")
	u, err := openUpdateLog(path, tr, 3)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for tr.Step < 7 {
		step := tr.Step
		_, lr, err := tr.StepOnce()
		if err != nil {
			t.Fatal(err)
		}
		u.add(tr, step, lr)
		if step%3 != 0 {
			continue
		}
		line := strconv.Itoa(step)
		for _, w := range inspect.Matrices(tr.Model.Net) {
			g, d := w.Of(tr.grads.Weights), w.Of(tr.Model.Weights)
			upd := make([]float64, len(g))
			for i, v := range g {
				upd[i] = float64(lr * v)
			}
			line += "," + strconv.FormatFloat(math.Log10(std(upd)/std64(d)), 'f', 5, 64)
		}
		want = append(want, line)
	}
	if err := u.w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if w := "step,C,W1,W2,W3\n" + strings.Join(want, "\n") + "\n"; string(got) != w {
		t.Fatalf("update log:\n%s\nwant:\n%s", got, w)
	}
}

func std(x []float64) float64 {
	var s, ss float64
	for _, v := range x {
		s += v
	}
	m := s / float64(len(x))
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x)-1))
}

func std64(x []float32) float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return std(y)
}

// Logging the update ratios allocates nothing either, for every preset.
func TestUpdateLogAllocatesNothing(t *testing.T) {
	for _, name := range PresetNames {
		tr, pool, _ := newTrainerBatch(2, Presets[name].Model, 1000, 64)
		u, err := openUpdateLog(filepath.Join(t.TempDir(), "update.csv"), tr, 1)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(50, func() {
			step := tr.Step
			_, lr, _ := tr.StepOnce()
			u.add(tr, step, lr)
		}); n != 0 {
			t.Errorf("%s: %v allocations per step with diagnostics, want 0", name, n)
		}
		u.w.Close()
		pool.Close()
	}
}

// A resumed run goes on with an update log that reaches its checkpoint, at
// the log's cadence (the default's when one step tells none); leaves one
// that stops short stopped unless asked; and taken up again after a gap,
// marks it once.
func TestPlanUpdateLog(t *testing.T) {
	for _, c := range []struct {
		log  string
		from int
		diag int
		keep bool
		want updatePlan
	}{
		{"", 130, 0, true, updatePlan{}},
		{"0,-1\n50,-1\n100,-1\n", 130, 0, true, updatePlan{every: 50, kept: true}},
		{"0,-1\n50,-1\n100,-1\n150,-1\n", 130, 0, true, updatePlan{every: 50, kept: true}}, // 150 is after the checkpoint
		{"0,-1\n50,-1\n100,-1\n150,-", 160, 0, true, updatePlan{stopped: true}},            // 150 unfinished: lacking
		{"0,-1\n", 90, 0, true, updatePlan{every: DefaultDiagnosticsEvery, kept: true}},
		{"0,-1\n", 130, 0, true, updatePlan{stopped: true}},
		{"0,-1\n50,-1\n100,-1\n", 130, 0, false, updatePlan{stopped: true}},
		{"0,-1\n50,-1\n100,-1\n", 130, 25, false, updatePlan{every: 25}},
		{"0,-1\n50,-1\n100,-1\n", 300, 0, true, updatePlan{stopped: true}},
		{"0,-1\n50,-1\n100,-1\n", 300, 50, false, updatePlan{every: 50, gap: 150}},
		{"0,-1\n50,-1\n100,-1\n150,NaN\n", 310, 0, true, updatePlan{stopped: true}},
		{"0,-1\n50,-1\n100,-1\n150,NaN\n", 310, 50, false, updatePlan{every: 50, gap: 150, marked: true}},
		// After a gap the cadence is the new segment's, not the gap's width.
		{"0,-1\n50,-1\n100,-1\n150,NaN\n300,-1\n320,-1\n", 330, 0, true, updatePlan{every: 20, kept: true}},
		{"0,-1\n50,-1\n100,-1\n150,NaN\n300,-1\n", 330, 0, true, updatePlan{every: DefaultDiagnosticsEvery, kept: true}},
	} {
		dir := t.TempDir()
		if c.log != "" {
			if err := os.WriteFile(filepath.Join(dir, "update.csv"), []byte("step,C\n"+c.log), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := planUpdateLog(Options{WorkDir: dir, Diagnostics: c.diag, KeepDiagnostics: c.keep}, State{Step: c.from})
		if err != nil || got != c.want {
			t.Errorf("log %q resumed at %d with --diagnostics %d (keep %v): %+v, %v; want %+v", c.log, c.from, c.diag, c.keep, got, err, c.want)
		}
	}
}
