// Package lossplot draws the picture the lectures look at during training:
// log10 of the minibatch loss averaged over windows of steps, the val loss
// probed along the way, and where the learning rate changes.
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
	w := Window(len(l.Loss)) // at most len(l.Loss): one window at least
	means := l.Means(w)
	p := plot.New()
	p.Title.Text = "makemore training loss"
	p.X.Label.Text = "step"
	p.X.Tick.Marker = StepTicks{}
	p.X.Min = 0
	p.Y.Label.Text = "log10 loss"
	p.Add(plotter.NewGrid())

	if err := addCurve(p, means, blue, fmt.Sprintf("minibatch loss, mean of %d steps", w)); err != nil {
		return nil, err
	}
	if len(l.Val) > 0 {
		var xy plotter.XYs
		for _, v := range l.Val {
			xy = append(xy, plotter.XY{X: float64(v.Step), Y: v.Loss})
		}
		if err := addCurve(p, xy, orange, "val loss (probe)"); err != nil {
			return nil, err
		}
	}

	// A dashed vertical line wherever the learning rate changes.
	for _, i := range lrChanges(l.LR) {
		if err := addMark(p, float64(l.Step[i]), fmt.Sprintf("learning rate %g → %g at step %d", l.LR[i-1], l.LR[i], l.Step[i])); err != nil {
			return nil, err
		}
	}

	return PNG(p, 8*vg.Inch, 5*vg.Inch)
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

// PNG draws p as a w × h PNG image with its legend in a strip below the
// axes, where it cannot hide a curve: inside the axes, the lectures' curves
// reach every corner somewhere.
func PNG(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	img := vgimg.New(w, h)
	c := draw.New(img)
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
	legend.Draw(draw.Crop(c, pad, 0, pad, strip-h-pad))
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// StepTicks marks a step axis at round numbers — 1, 2 or 5 times a power of
// ten apart, at most 6 intervals — written short with a k or M suffix (50k,
// 1.5M), as one reads step counts.
type StepTicks struct{}

func (StepTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: stepLabel(lo)}}
	}
	base := math.Pow(10, math.Floor(math.Log10(hi-lo))-1)
	var step float64
	for _, f := range []float64{1, 2, 5, 10, 20, 50, 100} {
		if step = base * f; (hi-lo)/step <= 6 {
			break
		}
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo / step); i*step <= hi; i++ {
		v := i * step
		ticks = append(ticks, plot.Tick{Value: v, Label: stepLabel(v)})
		if mid := v + step/2; mid <= hi {
			ticks = append(ticks, plot.Tick{Value: mid}) // minor
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

// addCurve draws log10 of the losses xy as a line, with a legend entry.
func addCurve(p *plot.Plot, xy plotter.XYs, c color.Color, legend string) error {
	line, err := plotter.NewLine(log10(xy))
	if err != nil {
		return err
	}
	line.LineStyle.Width = vg.Points(1.5)
	line.LineStyle.Color = c
	p.Add(line)
	p.Legend.Add(legend, line)
	return nil
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

// log10 maps the losses to log10, leaving out any that are not positive:
// they have no logarithm, and a loss of exactly 0 only happens on toy data.
func log10(xy plotter.XYs) plotter.XYs {
	var out plotter.XYs
	for _, v := range xy {
		if v.Y > 0 && !math.IsInf(v.Y, 0) {
			out = append(out, plotter.XY{X: v.X, Y: math.Log10(v.Y)})
		}
	}
	return out
}
