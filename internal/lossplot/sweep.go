package lossplot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/makemore/makemore/internal/plural"
)

// Sweep is a learning-rate sweep to draw, as lecture 2 does: the minibatch
// loss of each step against log10 of its rate.
type Sweep struct {
	Exponent  []float64 // log10 of each step's rate
	Loss      []float64 // each step's minibatch loss
	Smoothed  []float64 // the same, averaged over Window steps
	Window    int
	Suggested float64 // the suggested rate
	Stopped   bool    // the sweep stopped early on a loss that was not finite
}

// Colours of the curves, matplotlib's first two as in the lectures.
var (
	blue   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	orange = color.RGBA{R: 255, G: 127, B: 14, A: 255}
)

// RenderSweep draws s as a PNG image.
func RenderSweep(s Sweep) ([]byte, error) {
	p, err := sweepPlot(s)
	if err != nil {
		return nil, err
	}
	return PNG(p, 8*vg.Inch, 5*vg.Inch)
}

// sweepPlot is the picture RenderSweep draws.
func sweepPlot(s Sweep) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "learning-rate sweep"
	if s.Stopped && len(s.Exponent) > 0 {
		p.Title.Text += fmt.Sprintf(" (stopped after 10^%.2f: the next loss was not finite)", s.Exponent[len(s.Exponent)-1])
	}
	p.X.Label.Text = "log10 learning rate"
	p.Y.Label.Text = "minibatch loss"
	p.Add(plotter.NewGrid())
	raw, smooth := make(plotter.XYs, len(s.Loss)), make(plotter.XYs, len(s.Smoothed))
	for i := range raw {
		raw[i] = plotter.XY{X: s.Exponent[i], Y: s.Loss[i]}
	}
	for i := range smooth {
		smooth[i] = plotter.XY{X: s.Exponent[i], Y: s.Smoothed[i]}
	}
	for _, c := range []struct {
		xy    plotter.XYs
		col   color.Color
		width float64
		label string
	}{
		{raw, color.NRGBA{R: 31, G: 119, B: 180, A: 110}, 0.75, "minibatch loss"}, // blue, faint
		{smooth, orange, 2, "mean of " + plural.Count(s.Window, "step")},
	} {
		if len(c.xy) == 0 {
			continue
		}
		line, err := plotter.NewLine(c.xy)
		if err != nil {
			return nil, err
		}
		line.LineStyle.Color, line.LineStyle.Width = c.col, vg.Points(c.width)
		p.Add(line)
		p.Legend.Add(c.label, line)
	}
	// The blow-up at the end can reach any height; the valley is what the
	// plot is for, so the axis stops at twice the starting loss.
	if len(s.Smoothed) > 0 && p.Y.Max > 2*s.Smoothed[0] {
		p.Y.Max = 2 * s.Smoothed[0]
	}
	if err := addMark(p, math.Log10(s.Suggested), fmt.Sprintf("suggested learning rate %g (10^%.2f)", s.Suggested, math.Log10(s.Suggested))); err != nil {
		return nil, err
	}
	return p, nil
}
