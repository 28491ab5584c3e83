package train

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/makemore/makemore/internal/fileio"
	"github.com/makemore/makemore/internal/inspect"
	"github.com/makemore/makemore/internal/lossplot"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/workdir"
)

// DefaultDiagnosticsEvery is train --diagnostics' cadence: every 100 steps
// costs well under the 3% of a step the diagnostics may take (see
// BenchmarkStep), and still draws 2,000 points over a 200,000-step run.
const DefaultDiagnosticsEvery = 100

// UpdateLogHeader is the update log's first line for the 2-D weights of net:
// step, then one column per weight.
func UpdateLogHeader(net *model.Network) string {
	names := []string{"step"}
	for _, t := range inspect.Matrices(net) {
		names = append(names, t.Name)
	}
	return strings.Join(names, ",")
}

// updateLog writes lecture 3's update:data ratio, log10((lr·∇W).std() /
// W.std()) after the update, of every 2-D weight every `every` steps.
type updateLog struct {
	every   int
	weights []*model.Tensor
	vals    []float64
	w       *lossplot.Writer
}

// openUpdateLog opens the update log at path for the run of t, keeping
// the lines of the steps before t.Step as the loss log does.
func openUpdateLog(path string, t *Trainer, every int) (*updateLog, error) {
	w, err := lossplot.OpenLog(path, UpdateLogHeader(t.Model.Net), "update log", t.Step)
	if err != nil {
		return nil, err
	}
	ws := inspect.Matrices(t.Model.Net)
	return &updateLog{every: every, weights: ws, vals: make([]float64, len(ws)), w: w}, nil
}

// add logs the ratios of step, just taken with learning rate lr, if the
// cadence says so. lr·std(∇W) is the std of lr·∇W up to its float32 rounding.
func (u *updateLog) add(t *Trainer, step int, lr float32) {
	if step%u.every != 0 {
		return
	}
	for i, w := range u.weights {
		_, g := inspect.MeanStd(w.Of(t.grads.Weights))
		_, d := inspect.MeanStd(w.Of(t.Model.Weights))
		u.vals[i] = math.Log10(float64(lr) * g / d)
	}
	u.w.AddValues(step, u.vals)
}

// markGap logs a line of NaN at step, the first the log lacks: from there to
// the run's first step the run went on without diagnostics. NaN reads as a
// missing value in pandas, and breaks the lines of update.png, as it does
// matplotlib's, instead of joining the ratios across the gap.
func (u *updateLog) markGap(step int) {
	for i := range u.vals {
		u.vals[i] = math.NaN()
	}
	u.w.AddValues(step, u.vals)
}

// isGapMark says the values of an update log line are markGap's.
func isGapMark(vals []string) bool {
	for _, v := range vals {
		if v != "NaN" {
			return false
		}
	}
	return len(vals) > 0
}

// updatePlan is what a resumed run does with the update log of the steps
// before it.
type updatePlan struct {
	every   int  // the run's cadence; 0: it logs nothing
	kept    bool // every is the log's, the run not asked (Options.KeepDiagnostics)
	stopped bool // the log holds steps and the run does not go on with it
	gap     int  // the first step the log lacks before the run takes it up again; 0: none
	marked  bool // the log marks the gap already
}

// planUpdateLog decides what the run opts resumes at st.Step does with its
// work dir's update log.
func planUpdateLog(opts Options, st State) (updatePlan, error) {
	p := updatePlan{every: opts.Diagnostics}
	t, err := readUpdateTail(workdir.UpdateLogPath(opts.WorkDir), st.Step)
	if err != nil || t.last < 0 {
		return p, err
	}
	// With one step logged the cadence is not known: the default's is taken.
	every := cmp.Or(t.every, DefaultDiagnosticsEvery)
	// The log reaches the checkpoint when it lacks none of the steps its
	// cadence logs; one that stops short was stopped, and stays so unasked.
	reaches := t.gapAt == 0 && t.last+every >= st.Step
	if opts.KeepDiagnostics && reaches && !st.Optimizer.IsAdamW() {
		p.every, p.kept = every, true
	}
	switch {
	case p.every == 0:
		p.stopped = true
	case t.gapAt > 0:
		p.gap, p.marked = t.gapAt, true
	case t.last+cmp.Or(t.every, p.every) < st.Step:
		p.gap = t.last + cmp.Or(t.every, p.every)
	}
	return p, nil
}

// updateTail is what an update log holds of the steps before a run's first.
type updateTail struct {
	last  int // the last step logged; -1: none
	every int // the steps between the last two logged since any gap; 0: one only
	gapAt int // the step of the gap mark the log ends with (see markGap); 0: none
}

// readUpdateTail reads the lines of the update log at path that a run
// starting at step from keeps, as lossplot.OpenLog does.
func readUpdateTail(path string, from int) (updateTail, error) {
	t := updateTail{last: -1}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("%s: cannot read the update log: %v", path, fileio.Cause(err))
	}
	seg := -1 // the last step logged since the last gap
	for _, line := range strings.SplitAfter(string(b), "\n")[1:] {
		f := strings.Split(strings.TrimSuffix(line, "\n"), ",")
		step, err := strconv.Atoi(f[0])
		if err != nil || step >= from || !strings.HasSuffix(line, "\n") {
			continue
		}
		if isGapMark(f[1:]) {
			t.gapAt, seg = step, -1
			continue
		}
		t.every = 0
		if seg >= 0 {
			t.every = step - seg
		}
		seg, t.last, t.gapAt = step, step, 0
	}
	return t, nil
}
