package train

import (
	"math"
	"strings"

	"github.com/makemore/makemore/internal/inspect"
	"github.com/makemore/makemore/internal/lossplot"
	"github.com/makemore/makemore/internal/model"
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
