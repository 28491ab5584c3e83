package diagplot

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"github.com/makemore/makemore/internal/lossplot"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// UpdateGuide is where the lecture says the update:data ratios should sit:
// log10 of about 1e-3.
const UpdateGuide = -3

// Updates is a parsed update log: per weight, log10 of its update:data
// ratio at each logged step. A line of NaN marks steps a resumed run took
// without diagnostics, from its step on.
type Updates struct {
	Names []string
	Step  []int
	Ratio [][]float64 // [weight][logged step]
}

// ParseUpdates reads the update log train --diagnostics writes; name labels
// errors. A last line without its newline is one still being written, and
// is left out.
func ParseUpdates(name string, r io.Reader) (*Updates, error) {
	u := &Updates{}
	header := func(head []string) error {
		if len(head) < 2 || head[0] != "step" {
			return fmt.Errorf("not a makemore update log (the first line must be step and the weights' names)")
		}
		u.Names, u.Ratio = head[1:], make([][]float64, len(head)-1)
		return nil
	}
	err := lossplot.ReadSteps(name, r, header, "train with --diagnostics", func(step int, f []string) string {
		for i, s := range f {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return "bad number"
			}
			u.Ratio[i] = append(u.Ratio[i], v)
		}
		u.Step = append(u.Step, step)
		return ""
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// segments are the points of one weight's ratios, a line each: a NaN, the
// mark of steps logged without diagnostics, ends one, so that the gap shows
// instead of a straight line across it.
func segments(steps []int, ratio []float64) []plotter.XYs {
	var segs []plotter.XYs
	var cur plotter.XYs
	for j, s := range steps {
		v := ratio[j]
		switch {
		case math.IsNaN(v):
			if len(cur) > 0 {
				segs, cur = append(segs, cur), nil
			}
		case !math.IsInf(v, 0): // a weight whose gradient is all 0 at a step has no logarithm there
			cur = append(cur, plotter.XY{X: float64(s), Y: v})
		}
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	return segs
}

// Update is update.png: per 2-D weight log10 of its update:data ratio over
// the steps, and the lecture's black guide line at −3.
func Update(u *Updates) ([]byte, error) {
	p, err := updatePlot(u)
	if err != nil {
		return nil, err
	}
	return lossplot.PNG(p, 10*vg.Inch, 5*vg.Inch)
}

// updatePlot is the picture Update draws.
func updatePlot(u *Updates) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "update:data ratio, log10((lr·grad).std() / data.std())"
	p.X.Label.Text = "step"
	p.X.Tick.Marker = lossplot.StepTicks{}
	p.Y.Label.Text = "log10 ratio"
	// Round decades (or halves, tenths… on a narrow range), so that the
	// guide's −3 and the decade a learning-rate drop moves every ratio by
	// can be read off.
	p.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		return lossplot.RoundTicks(lo, hi, func(v float64, decimals int) string {
			return strconv.FormatFloat(v, 'f', decimals, 64)
		})
	})
	p.Add(plotter.NewGrid())
	for i, name := range u.Names {
		style := seriesStyle(i, vg.Points(1))
		for _, xy := range segments(u.Step, u.Ratio[i]) {
			var seg plot.Plotter
			if len(xy) == 1 { // a line of one point draws nothing
				dot, err := plotter.NewScatter(xy)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", name, err)
				}
				dot.GlyphStyle = draw.GlyphStyle{Color: style.Color, Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
				seg = dot
			} else {
				line, err := plotter.NewLine(xy)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", name, err)
				}
				line.LineStyle = style
				seg = line
			}
			p.Add(seg)
		}
		p.Legend.Add(name, &plotter.Line{LineStyle: style})
	}
	guide, err := plotter.NewLine(plotter.XYs{{X: float64(u.Step[0]), Y: UpdateGuide}, {X: float64(u.Step[len(u.Step)-1]), Y: UpdateGuide}})
	if err != nil {
		return nil, err
	}
	guide.LineStyle.Width = vg.Points(1.5)
	guide.LineStyle.Color = color.Black
	p.Add(guide)
	p.Legend.Add("about 1e-3 (the lecture's guide)", guide)
	return p, nil
}
