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
)

// UpdateGuide is where the lecture says the update:data ratios should sit:
// log10 of about 1e-3.
const UpdateGuide = -3

// Updates is a parsed update log: per weight, log10 of its update:data
// ratio at each logged step.
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
		var xy plotter.XYs
		for j, s := range u.Step {
			// A weight whose gradient is all 0 at a step has no logarithm there.
			if v := u.Ratio[i][j]; !math.IsInf(v, 0) && !math.IsNaN(v) {
				xy = append(xy, plotter.XY{X: float64(s), Y: v})
			}
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		line.LineStyle = seriesStyle(i, vg.Points(1))
		p.Add(line)
		p.Legend.Add(name, line)
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
