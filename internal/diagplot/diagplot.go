// Package diagplot draws lecture 3's pictures of a network's insides: the
// distributions of the hidden activations, of their gradients and of the
// weights' gradients (makemore inspect), the saturation map, and the
// update:data ratios over a run (makemore train --diagnostics).
package diagplot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/makemore/makemore/internal/inspect"
	"github.com/makemore/makemore/internal/lossplot"
	"github.com/makemore/makemore/internal/plural"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Bins is the number of histogram bins, over each curve's min..max, as the
// lecture's torch.histogram(density=True).
const Bins = 100

// Curve is one distribution: its values and its legend.
type Curve struct {
	Label  string
	Values []float32
}

// Activations is activations.png: the lecture's "activation distribution".
func Activations(r *inspect.Report) ([]byte, error) {
	var cs []Curve
	for _, l := range r.Layers {
		cs = append(cs, Curve{fmt.Sprintf("%s (%s): mean %+.2f, std %.2f, saturated %.2f%%", l.Name, l.Kind, l.ActMean, l.ActStd, l.SaturationPct), l.Act})
	}
	return Distributions("activation distribution", "value", cs)
}

// Gradients is gradients.png: the lecture's "gradient distribution" of the
// same layers' outputs.
func Gradients(r *inspect.Report) ([]byte, error) {
	var cs []Curve
	for _, l := range r.Layers {
		cs = append(cs, Curve{fmt.Sprintf("%s (%s): mean %+.2e, std %.2e", l.Name, l.Kind, l.GradMean, l.GradStd), l.Grad})
	}
	return Distributions("gradient distribution", "gradient", cs)
}

// Weights is weights.png: the lecture's "weights gradient distribution" of
// every 2-D weight.
func Weights(r *inspect.Report) ([]byte, error) {
	var cs []Curve
	for _, p := range r.Params {
		cs = append(cs, Curve{fmt.Sprintf("%s %d×%d: mean %+.2e, std %.2e, grad:data %.2e", p.Name, p.Shape[0], p.Shape[1], p.GradMean, p.GradStd, p.GradDataRatio), p.Grad})
	}
	return Distributions("weights gradient distribution", "gradient", cs)
}

// Distributions draws each curve's density histogram (Bins bins over its
// own min..max, each point at its bin's centre) as a line, with a legend.
func Distributions(title, xLabel string, cs []Curve) ([]byte, error) {
	p, err := distributions(title, xLabel, cs)
	if err != nil {
		return nil, err
	}
	return lossplot.PNG(p, 10*vg.Inch, 5*vg.Inch)
}

// distributions is the picture Distributions draws.
func distributions(title, xLabel string, cs []Curve) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = "density"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	for i, c := range cs {
		line, err := plotter.NewLine(Density(c.Values, Bins))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", c.Label, err)
		}
		line.LineStyle = seriesStyle(i, vg.Points(1.5))
		p.Add(line)
		p.Legend.Add(c.Label, line)
	}
	return p, nil
}

// palette is matplotlib's tab10, the colours of the lectures' pictures: ten
// that stay apart from each other.
var palette = []color.Color{
	color.RGBA{R: 31, G: 119, B: 180, A: 255},
	color.RGBA{R: 255, G: 127, B: 14, A: 255},
	color.RGBA{R: 44, G: 160, B: 44, A: 255},
	color.RGBA{R: 214, G: 39, B: 40, A: 255},
	color.RGBA{R: 148, G: 103, B: 189, A: 255},
	color.RGBA{R: 140, G: 86, B: 75, A: 255},
	color.RGBA{R: 227, G: 119, B: 194, A: 255},
	color.RGBA{R: 127, G: 127, B: 127, A: 255},
	color.RGBA{R: 188, G: 189, B: 34, A: 255},
	color.RGBA{R: 23, G: 190, B: 207, A: 255},
}

// seriesStyle is the line of curve i of a picture: the palette's colours in
// turn, solid for the first ten curves and then with another dash pattern
// for each further ten, so that the 7 dash patterns of plotutil give 70
// curves no two alike (a deep network has dozens of weights).
func seriesStyle(i int, width vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: palette[i%len(palette)], Width: width, Dashes: plotutil.Dashes(i / len(palette))}
}

// Density is the density histogram of x in bins equal bins over min..max:
// per bin its centre and count/(len(x)·width). Values all equal make one
// bin of width 1 around them.
func Density(x []float32, bins int) plotter.XYs {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo, hi = min(lo, float64(v)), max(hi, float64(v))
	}
	if !(hi > lo) {
		return plotter.XYs{{X: lo, Y: 1}}
	}
	width := (hi - lo) / float64(bins)
	counts := make([]float64, bins)
	for _, v := range x {
		// The top edge belongs to the last bin, as in torch.histogram.
		counts[min(int((float64(v)-lo)/width), bins-1)]++
	}
	xy := make(plotter.XYs, bins)
	for i, c := range counts {
		xy[i] = plotter.XY{X: lo + (float64(i)+0.5)*width, Y: c / (float64(len(x)) * width)}
	}
	return xy
}

// Saturation is saturation.png: per hidden layer, the lecture's map of
// |h| > 0.99 (batch rows down, hidden units across, white where saturated;
// see inspect.Layer.Saturated for ReLU and GELU), one panel per layer.
func Saturation(r *inspect.Report) ([]byte, error) {
	const width, panel = 10 * vg.Inch, 2.2 * vg.Inch
	img := vgimg.New(width, panel*vg.Length(len(r.Layers)))
	dc := draw.New(img)
	var rows [][]*plot.Plot
	for _, p := range saturationPanels(r) {
		rows = append(rows, []*plot.Plot{p})
	}
	canvases := plot.Align(rows, draw.Tiles{Rows: len(rows), Cols: 1, PadY: vg.Points(6)}, dc)
	for i := range rows {
		rows[i][0].Draw(canvases[i][0])
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// saturationPanels are Saturation's panels, one per layer.
func saturationPanels(r *inspect.Report) []*plot.Plot {
	var ps []*plot.Plot
	for _, l := range r.Layers {
		p := plot.New()
		sat := 0
		for j := range l.Act {
			if l.Saturated(j, inspect.MapLimit) {
				sat++
			}
		}
		p.Title.Text = fmt.Sprintf("%s: white where %s (%.2f%% of %d×%d)", l.Name, inspect.Rule(l.Kind, inspect.MapLimit), 100*float64(sat)/float64(len(l.Act)), l.Rows, l.Cols)
		// The printed table counts the lecture's looser limit: a reader
		// comparing the two percentages is told why they differ.
		if table := inspect.Rule(l.Kind, inspect.PctLimit); table != inspect.Rule(l.Kind, inspect.MapLimit) {
			p.Title.Text += fmt.Sprintf("; the table's saturated %% counts %s", table)
		}
		p.X.Label.Text = "hidden unit"
		p.Y.Label.Text = "batch row"
		// A layer with a row per position (a WaveNet level below the top, a
		// transformer's) has B·T rows, each example's positions together;
		// "batch row" would read as one example.
		if r.Batch > 0 && l.Rows > r.Batch {
			p.Y.Label.Text = "row (B·T)"
			p.X.Label.Text += fmt.Sprintf(" (rows: B·T = %s × %s, each example's together)", plural.Count(r.Batch, "example"), plural.Count(l.Rows/r.Batch, "position"))
		}
		// Row 0 on top, as imshow: the image's top row is at y = Rows, so row
		// r sits at Rows − r − ½ and is labelled back.
		p.Y.Tick.Marker = plot.TickerFunc(func(_, _ float64) []plot.Tick {
			ts := plot.DefaultTicks{}.Ticks(0, float64(l.Rows-1))
			for i := range ts {
				ts[i].Value = float64(l.Rows) - ts[i].Value - 0.5
			}
			return ts
		})
		p.X.Tick.Marker = plot.TickerFunc(func(_, _ float64) []plot.Tick {
			ts := plot.DefaultTicks{}.Ticks(0, float64(l.Cols-1))
			for i := range ts {
				ts[i].Value += 0.5
			}
			return ts
		})
		p.Add(plotter.NewImage(satImage(&l), 0, 0, float64(l.Cols), float64(l.Rows)))
		ps = append(ps, p)
	}
	return ps
}

// satImage is a layer's saturation map as an image, each cell a block of
// pixels so that the smoothing of the image as it is scaled onto the page
// only touches the cells' edges.
func satImage(l *inspect.Layer) image.Image {
	sx, sy := max(1, 1000/l.Cols), max(1, 200/l.Rows)
	img := image.NewGray(image.Rect(0, 0, l.Cols*sx, l.Rows*sy))
	for r := range l.Rows {
		for c := range l.Cols {
			if !l.Saturated(r*l.Cols+c, inspect.MapLimit) {
				continue
			}
			for y := r * sy; y < (r+1)*sy; y++ {
				for x := c * sx; x < (c+1)*sx; x++ {
					img.SetGray(x, y, color.Gray{Y: 255})
				}
			}
		}
	}
	return img
}
