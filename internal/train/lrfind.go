package train

import (
	"errors"
	"math"

	"github.com/makemore/makemore/internal/data"
)

// Sweep is lecture 2's learning-rate finder: Steps steps of one fresh
// model whose rates rise evenly in log10 from 10^From to 10^To, step i at
// 10^e[i] with e = torch.linspace(From, To, Steps).
type Sweep struct {
	From, To float64
	Steps    int
}

// Exponent is log10 of the learning rate of step.
func (s Sweep) Exponent(step int) float64 {
	if s.Steps < 2 {
		return s.From
	}
	return s.From + float64(step)*(s.To-s.From)/float64(s.Steps-1)
}

// At is the learning rate of step.
func (s Sweep) At(step int) float32 { return float32(math.Pow(10, s.Exponent(step))) }

// FindLR runs the sweep s on the fresh model of opts — its Model, Seed and
// BatchSize, on the training split of its Words — as a new Run would
// start it, and returns what run returns.
func FindLR(opts Options, s Sweep) ([]float32, *DivergedError, error) {
	opts.Resume = false
	r, err := open(opts)
	if err != nil {
		return nil, nil, err
	}
	sp, err := data.BuildSplits(opts.Words, r.vocab, r.m.Context(), r.meta.Seed, opts.Progress.Phase("splitting the words"))
	if err != nil {
		return nil, nil, err
	}
	losses, d := s.run(New(r.m, opts.Pool, sp.Train, opts.BatchSize, r.src, s, opts.Optimizer))
	return losses, d, nil
}

// run takes the sweep's steps with t from where it stands and returns the
// minibatch loss of each. A step whose loss is no longer a finite number —
// the rate has grown too large, as it does near the end — ends the sweep
// there: the losses so far are returned with the *DivergedError.
func (s Sweep) run(t *Trainer) ([]float32, *DivergedError) {
	t.Schedule, t.Step = s, 0
	losses := make([]float32, 0, s.Steps)
	for t.Step < s.Steps {
		loss, _, err := t.StepOnce()
		var d *DivergedError
		if errors.As(err, &d) {
			return losses, d
		}
		losses = append(losses, loss)
	}
	return losses, nil
}

// Suggestion is the learning rate a sweep suggests, and the numbers it
// came from.
type Suggestion struct {
	LR       float64   // the suggested rate: 1, 2 or 5 times a power of ten
	Exponent float64   // log10 of the rate before rounding: the valley floor's start
	Smoothed []float64 // the losses averaged over Window steps, centred
	Window   int       // steps in the window: a twentieth of the sweep
	Low      int       // the step of the lowest smoothed loss
	Floor    int       // the step of Exponent
}

// FloorFraction is how close to its lowest point the smoothed loss must
// come, as a fraction of its whole fall, for the valley's floor to start.
const FloorFraction = 0.05

// Suggest reads the losses of a sweep as the lecture reads its plot: the
// loss falls while the rate grows, flattens into a valley, then climbs or
// blows up. Averaged over a window of a twentieth of the sweep (the
// minibatch losses are noisy), the loss falls from its start to its lowest
// point; the suggestion is the first rate at which it has made 95% of that
// fall — the start of the valley's floor. The lowest point itself is where
// the rate already hurts (the loss there is of a model trained at every
// smaller rate first), and the climb after it does not move either point.
// The rate is rounded to 1, 2 or 5 times a power of ten, in log10.
func (s Sweep) Suggest(losses []float32) Suggestion {
	g := Suggestion{Window: max(1, s.Steps/20), Smoothed: make([]float64, len(losses))}
	for i := range losses {
		lo, hi := max(0, i-g.Window/2), min(len(losses), i+g.Window/2+1)
		var sum float64
		for _, l := range losses[lo:hi] {
			sum += float64(l)
		}
		g.Smoothed[i] = sum / float64(hi-lo)
		if g.Smoothed[i] < g.Smoothed[g.Low] {
			g.Low = i
		}
	}
	if len(losses) > 0 {
		floor := g.Smoothed[g.Low] + FloorFraction*(g.Smoothed[0]-g.Smoothed[g.Low])
		for g.Smoothed[g.Floor] > floor {
			g.Floor++
		}
	}
	g.Exponent = s.Exponent(g.Floor)
	g.LR = roundLR(g.Exponent)
	return g
}

// roundLR is the number 1, 2 or 5 times a power of ten nearest 10^e in
// log10, divided rather than multiplied by the power so that 0.05 is the
// float64 nearest 0.05.
func roundLR(e float64) float64 {
	d := int(math.Floor(e))
	times := func(f float64) float64 {
		if d < 0 {
			return f / math.Pow10(-d)
		}
		return f * math.Pow10(d)
	}
	best := times(1)
	for _, f := range []float64{2, 5, 10} {
		if c := times(f); math.Abs(math.Log10(c)-e) < math.Abs(math.Log10(best)-e) {
			best = c
		}
	}
	return best
}
