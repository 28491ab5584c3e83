package train

import (
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/progress"
)

// DefaultEvalExamples is the bound above which batchnorm is calibrated, and a
// split's loss measured, over a uniform random sample of the split's examples
// instead of all of them. A million examples take about a second to calibrate
// on and as long to measure a loss over, to a standard error of about 0.001
// (the losses of name-like words spread by about 1). It is far above the
// 229 K examples of the bundled names.txt, whose results stay exact. It is
// the size above which the split keeps the file's order, too: a file is
// small or big for both.
const DefaultEvalExamples = data.ShuffledSplitExamples

// EvalSet is what calibration and eval run over for one split: all its
// examples, or, when it has more than a bound, a uniform random sample of
// them. The sample is drawn once, from the seed, so that every calibration
// and eval of a run, and makemore eval after it, see the same one.
type EvalSet struct {
	Rows model.Rows
	Of   int // examples in the split
}

// NewEvalSet is the EvalSet of split ds of m's run with seed, bounded to
// about bound examples (0: none), drawn with generator stream (one of
// data.StreamEvalTrain, …Val and …Test). A sequence model's sample is of
// words, whose examples need the ones before them.
func NewEvalSet(ds *data.Dataset, m *model.Model, seed, stream uint64, bound int) EvalSet {
	if bound == 0 || ds.Len() <= bound {
		return EvalSet{Rows: ds, Of: ds.Len()}
	}
	r := data.NewRand(seed, stream)
	if m.Sequence() {
		return EvalSet{Rows: ds.SampleWords(r, bound), Of: ds.Len()}
	}
	// Two at least: a standard error needs them.
	return EvalSet{Rows: ds.SampleExamples(r, max(2, bound)), Of: ds.Len()}
}

// SplitLoss is a split's mean loss, measured over Examples of its Of
// examples.
type SplitLoss struct {
	Mean         float64
	SE           float64 // the standard error of Mean, 0 when measured over every example
	Examples, Of int
}

// Sampled says the loss is measured over a sample of the split.
func (l SplitLoss) Sampled() bool { return l.Examples < l.Of }

// Loss measures the loss of ev's model over the set.
func (s EvalSet) Loss(ev *model.Evaluator, report progress.Func) SplitLoss {
	mean, se := ev.SampleLoss(s.Rows, s.Of, report)
	return SplitLoss{Mean: mean, SE: se, Examples: s.Rows.Len(), Of: s.Of}
}
