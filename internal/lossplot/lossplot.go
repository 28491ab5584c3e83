// Package lossplot draws the picture the lectures look at during training:
// the minibatch loss averaged over windows of steps, on a log scale as the
// lectures' log10, the val loss probed along the way, and where the learning
// rate changes.
package lossplot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/makemore/makemore/internal/plural"
)

// Header is the first line of a loss log; val_loss is empty on steps without
// a val probe.
const Header = "step,loss,learning_rate,val_loss"

// Log is a parsed loss log.
type Log struct {
	Step []int     // every logged step
	Loss []float64 // its minibatch loss
	LR   []float64 // its learning rate
	Val  []Point   // the val probes
}

// Point is one val probe: the loss after Step steps.
type Point struct {
	Step int
	Loss float64
}

// Parse reads a loss log; name labels errors. A last line without its
// newline is one still being written, and is left out.
func Parse(name string, r io.Reader) (*Log, error) {
	l := &Log{}
	header := func(head []string) error {
		if strings.Join(head, ",") != Header {
			return fmt.Errorf("not a makemore loss log (the first line must be %q)", Header)
		}
		return nil
	}
	err := ReadSteps(name, r, header, "train", func(step int, f []string) string {
		loss, err1 := strconv.ParseFloat(f[0], 64)
		lr, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil {
			return "bad number"
		}
		l.Step, l.Loss, l.LR = append(l.Step, step), append(l.Loss, loss), append(l.LR, lr)
		if f[2] != "" {
			v, err := strconv.ParseFloat(f[2], 64)
			if err != nil {
				return "bad val loss"
			}
			l.Val = append(l.Val, Point{Step: step + 1, Loss: v})
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// ReadSteps reads a log of one line per step, as the loss log and the update
// log are: a header line that header checks, then lines of comma-separated
// fields as many as the header's, the first a step, rising. A last line
// without its line end is a write in progress and is left out. row gets each
// line's step and its other fields, and returns what is wrong with them, or
// "". train is the command that writes the log, for the messages.
func ReadSteps(name string, r io.Reader, header func(head []string) error, train string, row func(step int, f []string) string) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	head := strings.Split(strings.TrimSpace(lines[0]), ",")
	if err := header(head); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	last, steps := -1, 0
	for n, text := range lines[1:] {
		if !strings.HasSuffix(text, "\n") {
			break
		}
		f := strings.Split(strings.TrimSpace(text), ",")
		var step int
		what := fmt.Sprintf("want %d fields", len(head))
		if len(f) == len(head) {
			what = "bad or out-of-order step"
			if s, err := strconv.Atoi(f[0]); err == nil && s > last {
				step, what = s, row(s, f[1:])
			}
		}
		if what != "" {
			return fmt.Errorf("%s:%d: %s in %q; the log is damaged: %s again to rewrite it", name, n+2, what, strings.TrimSpace(text), train)
		}
		last, steps = step, steps+1
	}
	if steps == 0 {
		return fmt.Errorf("%s: no steps logged yet; %s first", name, train)
	}
	return nil
}

// Window is the number of steps averaged into one point of the curve, as in
// the lectures; shorter runs use a smaller window so the curve keeps at least
// 20 points.
func Window(steps int) int { return max(1, min(1000, steps/20)) }

// Means averages the minibatch loss over consecutive windows of w logged
// steps; a last partial window is dropped, as the lectures' view(-1, 1000)
// would not allow one. Each point sits at the end of its window.
func (l *Log) Means(w int) plotter.XYs {
	var xy plotter.XYs
	for i := 0; i+w <= len(l.Loss); i += w {
		var s float64
		for _, v := range l.Loss[i : i+w] {
			s += v
		}
		xy = append(xy, plotter.XY{X: float64(l.Step[i+w-1] + 1), Y: s / float64(w)})
	}
	return xy
}

// Render draws the log as a PNG image.
func Render(l *Log) ([]byte, error) {
	p, err := lossPlot(l)
	if err != nil {
		return nil, err
	}
	return PNG(p, 8*vg.Inch, 5*vg.Inch)
}

// lossPlot is the picture Render draws.
func lossPlot(l *Log) (*plot.Plot, error) {
	w := Window(len(l.Loss)) // at most len(l.Loss): one window at least
	means := l.Means(w)
	p := plot.New()
	p.Title.Text = "makemore training loss"
	p.X.Label.Text = "step"
	p.X.Tick.Marker = StepTicks{}
	p.X.Min = 0
	p.Add(plotter.NewGrid())

	line, err := plotter.NewLine(positive(means))
	if err != nil {
		return nil, err
	}
	line.LineStyle.Width = vg.Points(1.5)
	line.LineStyle.Color = blue
	p.Add(line)
	p.Legend.Add("minibatch loss, mean of "+plural.Count(w, "step"), line)
	if len(l.Val) > 0 {
		var xy plotter.XYs
		for _, v := range l.Val {
			xy = append(xy, plotter.XY{X: float64(v.Step), Y: v.Loss})
		}
		// A probe is one measurement, not a mean over a window: each is a
		// point of its own, so a few probes do not pass for a curve.
		line, points, err := plotter.NewLinePoints(positive(xy))
		if err != nil {
			return nil, err
		}
		line.LineStyle.Color = orange
		points.GlyphStyle = draw.GlyphStyle{Shape: draw.CircleGlyph{}, Color: orange, Radius: vg.Points(1.5)}
		p.Add(line, points)
		p.Legend.Add("val loss (probe)", line, points)
	}
	// The lectures plot log10 of the loss; a log scale draws the same curve
	// and keeps the losses the terminal prints on the axis. With no positive
	// loss there is nothing to draw, and no log scale to set.
	p.Y.Label.Text = "loss"
	if lo, hi := p.Y.Min, p.Y.Max; lo > 0 && !math.IsInf(hi, 0) {
		if !(hi > lo) {
			p.Y.Min, p.Y.Max = lo/2, hi*2
		}
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, LossTicks{}
		p.Y.Label.Text = "loss (log scale)"
	}

	// A dashed vertical line wherever the learning rate changes.
	for _, i := range lrChanges(l.LR) {
		if err := addMark(p, float64(l.Step[i]), fmt.Sprintf("learning rate %g → %g at step %d", l.LR[i-1], l.LR[i], l.Step[i])); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// maxLRMarks is the most learning-rate changes marked on a loss plot: a step
// schedule has one or a few, while a cosine changes the rate every step, and
// a line and a legend entry for each would bury the curves (and take minutes
// to draw).
const maxLRMarks = 8

// lrChanges are the indices i of lr where the learning rate changes from
// i−1, or none when there are more than maxLRMarks.
func lrChanges(lr []float64) []int {
	var at []int
	for i := 1; i < len(lr); i++ {
		if lr[i] != lr[i-1] {
			if at = append(at, i); len(at) > maxLRMarks {
				return nil
			}
		}
	}
	return at
}

// PNG draws p as a w × h PNG image, laid out as Draw does.
func PNG(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	img := vgimg.New(w, h)
	Draw(p, draw.New(img))
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Draw draws p on c with its legend in a strip below the axes, where it
// cannot hide a curve: inside the axes, the lectures' curves reach every
// corner somewhere. It takes the legend out of p.
func Draw(p *plot.Plot, c draw.Canvas) {
	legend := p.Legend
	legend.Left, legend.Top = true, true
	p.Legend = plot.NewLegend()
	pad := vg.Points(6)
	strip := legend.Rectangle(c).Size().Y
	if strip > 0 {
		strip += 2 * pad
	}
	// The right margin keeps the last tick's label whole.
	p.Draw(draw.Crop(c, 0, -2*pad, strip, 0))
	legend.Draw(draw.Crop(c, pad, 0, pad, strip-c.Size().Y-pad))
}

// StepTicks marks a step axis at round numbers — 1, 2 or 5 times a power of
// ten apart, at most 6 intervals — written short with a k or M suffix (50k,
// 1.5M), as one reads step counts.
type StepTicks struct{}

func (StepTicks) Ticks(lo, hi float64) []plot.Tick {
	return RoundTicks(lo, hi, func(v float64, _ int) string { return stepLabel(v) })
}

// RoundTicks marks lo..hi at round numbers, 1, 2 or 5 times a power of ten
// apart, the closest that make at most 6 intervals, with a minor tick
// halfway between. label writes each; decimals is how many the spacing
// needs, or -1 (strconv's shortest) for the one tick of an empty range.
func RoundTicks(lo, hi float64, label func(v float64, decimals int) string) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: label(lo, -1)}}
	}
	// From a tenth of the span's power of ten up: the first spacing m·10^e
	// that makes at most 6 intervals.
	m, e := 1, int(math.Floor(math.Log10(hi-lo)))-1
	for (hi-lo)/(float64(m)*math.Pow10(e)) > 6 {
		switch m {
		case 1:
			m = 2
		case 2:
			m = 5
		default:
			m, e = 1, e+1
		}
	}
	// The ticks are counted in halves of the spacing, each value computed
	// from an integer, so that 0.2·3 is 0.6 and not 0.6000000000000001.
	at := func(halves float64) float64 {
		if e < 0 {
			return halves * float64(m) / 2 / math.Pow10(-e)
		}
		return halves * float64(m) / 2 * math.Pow10(e)
	}
	decimals := max(0, -e)
	var ticks []plot.Tick
	for i := 2 * math.Ceil(lo/at(2)); at(i) <= hi; i++ {
		if int(i)%2 == 0 {
			ticks = append(ticks, plot.Tick{Value: at(i), Label: label(at(i), decimals)})
		} else {
			ticks = append(ticks, plot.Tick{Value: at(i)}) // minor
		}
	}
	return ticks
}

// stepLabel writes a step count with a k (thousands) or M (millions) suffix.
func stepLabel(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case a >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// LossTicks marks a log-scaled loss axis with losses as the terminal prints
// them: at round numbers as RoundTicks when the axis spans less than a
// decade, and otherwise at 1, 2 and 5 times each power of ten (only the
// powers labelled past three decades), minor ticks between.
type LossTicks struct{}

func (LossTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi < 10*lo {
		return RoundTicks(lo, hi, func(v float64, decimals int) string {
			return strconv.FormatFloat(v, 'f', decimals, 64)
		})
	}
	labelled := map[int]bool{1: true, 2: true, 5: true}
	if hi > 1000*lo {
		labelled = map[int]bool{1: true}
	}
	var ticks []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); math.Pow10(e) <= hi; e++ {
		for m := 1; m < 10; m++ {
			v := float64(m) * math.Pow10(e)
			if e < 0 {
				v = float64(m) / math.Pow10(-e)
			}
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if labelled[m] {
				t.Label = strconv.FormatFloat(v, 'f', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// addMark draws a dashed vertical line at x across what p holds so far,
// with a legend entry.
func addMark(p *plot.Plot, x float64, legend string) error {
	lo, hi := yRange(p)
	mark, err := plotter.NewLine(plotter.XYs{{X: x, Y: lo}, {X: x, Y: hi}})
	if err != nil {
		return err
	}
	mark.LineStyle = draw.LineStyle{Color: color.Gray{Y: 96}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	p.Add(mark)
	p.Legend.Add(legend, mark)
	// A mark at either end of the axis would read as the frame of the plot
	// (lr-find's suggestion is often its last rate): the axis reaches past
	// it by 3% of its length.
	if span := p.X.Max - p.X.Min; span > 0 {
		p.X.Min, p.X.Max = min(p.X.Min, x-0.03*span), max(p.X.Max, x+0.03*span)
	}
	return nil
}

// yRange is the vertical extent of what p holds so far, so a marker line
// spans the curves without stretching the axis.
func yRange(p *plot.Plot) (lo, hi float64) {
	lo, hi = p.Y.Min, p.Y.Max
	switch {
	case math.IsInf(lo, 0) || math.IsInf(hi, 0): // nothing drawn: no positive loss
		return -1, 1
	case !(hi > lo):
		return lo - 0.5, lo + 0.5
	}
	return lo, hi
}

// positive leaves out the losses that are not positive, which a log scale
// cannot place: a loss of exactly 0 only happens on toy data.
func positive(xy plotter.XYs) plotter.XYs {
	var out plotter.XYs
	for _, v := range xy {
		if v.Y > 0 && !math.IsInf(v.Y, 0) {
			out = append(out, v)
		}
	}
	return out
}
