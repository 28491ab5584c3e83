// Package lossplot draws the picture the lectures look at during training:
// log10 of the minibatch loss averaged over windows of steps, the val loss
// probed along the way, and where the learning rate changes.
package lossplot

import (
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
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != Header {
		return nil, fmt.Errorf("%s: not a makemore loss log (the first line must be %q)", name, Header)
	}
	l := &Log{}
	for n, text := range lines[1:] {
		if !strings.HasSuffix(text, "\n") {
			break
		}
		line := n + 2
		f := strings.Split(strings.TrimSpace(text), ",")
		bad := func(what string) error {
			return fmt.Errorf("%s:%d: %s in %q; the log is damaged: train again to rewrite it", name, line, what, strings.TrimSpace(text))
		}
		if len(f) != 4 {
			return nil, bad("want 4 fields")
		}
		step, err := strconv.Atoi(f[0])
		if err != nil || step < 0 || (len(l.Step) > 0 && step <= l.Step[len(l.Step)-1]) {
			return nil, bad("bad or out-of-order step")
		}
		loss, err1 := strconv.ParseFloat(f[1], 64)
		lr, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil {
			return nil, bad("bad number")
		}
		l.Step, l.Loss, l.LR = append(l.Step, step), append(l.Loss, loss), append(l.LR, lr)
		if f[3] != "" {
			v, err := strconv.ParseFloat(f[3], 64)
			if err != nil {
				return nil, bad("bad val loss")
			}
			l.Val = append(l.Val, Point{Step: step + 1, Loss: v})
		}
	}
	if len(l.Step) == 0 {
		return nil, fmt.Errorf("%s: no steps logged yet; train first", name)
	}
	return l, nil
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
	p.Y.Label.Text = "log10 loss"
	p.Add(plotter.NewGrid())
	p.Legend.Top = true

	if err := addCurve(p, means, color.RGBA{R: 31, G: 119, B: 180, A: 255}, fmt.Sprintf("minibatch loss, mean of %d steps", w)); err != nil {
		return nil, err
	}
	if len(l.Val) > 0 {
		var xy plotter.XYs
		for _, v := range l.Val {
			xy = append(xy, plotter.XY{X: float64(v.Step), Y: v.Loss})
		}
		if err := addCurve(p, xy, color.RGBA{R: 255, G: 127, B: 14, A: 255}, "val loss (probe)"); err != nil {
			return nil, err
		}
	}

	// A dashed vertical line wherever the learning rate changes.
	lo, hi := yRange(p)
	for i := 1; i < len(l.LR); i++ {
		if l.LR[i] == l.LR[i-1] {
			continue
		}
		x := float64(l.Step[i])
		mark, err := plotter.NewLine(plotter.XYs{{X: x, Y: lo}, {X: x, Y: hi}})
		if err != nil {
			return nil, err
		}
		mark.LineStyle = draw.LineStyle{Color: color.Gray{Y: 96}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
		p.Add(mark)
		p.Legend.Add(fmt.Sprintf("learning rate %g → %g at step %d", l.LR[i-1], l.LR[i], l.Step[i]), mark)
	}

	return PNG(p, 8*vg.Inch, 5*vg.Inch)
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
