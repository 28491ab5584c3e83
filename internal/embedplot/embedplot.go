// Package embedplot draws lecture 2's map of the character embeddings: each
// character written at its embedding's two coordinates, or at its first two
// principal components when the embedding is wider than two.
package embedplot

import (
	"fmt"
	"image/color"
	"math"

	"github.com/makemore/makemore/internal/lossplot"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Map is the embedding table C [V × E] seen in two dimensions.
type Map struct {
	X, Y           []float64 // per token
	XAxis, YAxis   string    // what the coordinates are
	Title          string
	PrincipalShare [2]float64 // of the variance, per component; 0 without PCA
}

// Project maps the V×E table c to two dimensions: its columns 0 and 1 when
// E is 2 (the lecture's n_embd 2), column 0 on a line when E is 1, and
// otherwise the projections onto the first two principal components of the
// rows — the right singular vectors of c with its column means subtracted,
// from gonum's SVD. A singular vector's sign is arbitrary; each is turned
// so that its largest element is positive, so the picture does not flip
// between LAPACK implementations.
func Project(c []float32, v, e int) (Map, error) {
	col := func(j int) []float64 {
		out := make([]float64, v)
		for i := range out {
			out[i] = float64(c[i*e+j])
		}
		return out
	}
	switch e {
	case 1:
		return Map{X: col(0), Y: make([]float64, v), XAxis: "C[:,0]", YAxis: "(one dimension)", Title: "character embeddings (n_embd 1)"}, nil
	case 2:
		return Map{X: col(0), Y: col(1), XAxis: "C[:,0]", YAxis: "C[:,1]", Title: "character embeddings (n_embd 2)"}, nil
	}
	a := mat.NewDense(v, e, nil)
	for j := range e {
		x := col(j)
		var mean float64
		for _, u := range x {
			mean += u
		}
		mean /= float64(v)
		for i, u := range x {
			a.Set(i, j, u-mean)
		}
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThin) {
		return Map{}, fmt.Errorf("the SVD of the %d×%d embedding did not converge", v, e)
	}
	var right mat.Dense
	svd.VTo(&right)
	s := svd.Values(nil)
	var total float64
	for _, x := range s {
		total += x * x
	}
	m := Map{
		XAxis: "principal component 1", YAxis: "principal component 2",
		Title: fmt.Sprintf("character embeddings: first two principal components (n_embd %d)", e),
	}
	for k, dst := range []*[]float64{&m.X, &m.Y} {
		dir := mat.Col(nil, k, &right)
		big := 0
		for i := range dir {
			if math.Abs(dir[i]) > math.Abs(dir[big]) {
				big = i
			}
		}
		if dir[big] < 0 {
			for i := range dir {
				dir[i] = -dir[i]
			}
		}
		var p mat.VecDense
		p.MulVec(a, mat.NewVecDense(e, dir))
		*dst = p.RawVector().Data
		if total > 0 {
			m.PrincipalShare[k] = s[k] * s[k] / total
		}
	}
	m.XAxis += fmt.Sprintf(" (%.0f%% of the variance)", 100*m.PrincipalShare[0])
	m.YAxis += fmt.Sprintf(" (%.0f%% of the variance)", 100*m.PrincipalShare[1])
	return m, nil
}

// Render draws m as a PNG image: label i written on a white disc at token
// i's point.
func Render(m Map, labels []string) ([]byte, error) {
	p, w, h, err := mapPlot(m, labels)
	if err != nil {
		return nil, err
	}
	return lossplot.PNG(p, w, h)
}

// mapPlot is the picture Render draws, and its size.
func mapPlot(m Map, labels []string) (p *plot.Plot, w, h vg.Length, err error) {
	// names.txt's 27 characters fit 7 × 6 inches. More characters get more
	// room, for as many per square inch, up to twice the width and height
	// (128 characters); past that the discs and letters shrink instead, to
	// half their size (512).
	v := float64(len(m.X))
	grow := min(2, max(1, math.Sqrt(v/32)))
	shrink := min(1, max(0.5, math.Sqrt(128/v)))
	w, h = vg.Length(grow)*7*vg.Inch, vg.Length(grow)*6*vg.Inch
	radius, size := vg.Points(9*shrink), vg.Points(12*shrink)

	p = plot.New()
	p.Title.Text = m.Title
	p.Title.Padding = vg.Points(10) // clear of the discs at the top
	p.X.Label.Text, p.Y.Label.Text = m.XAxis, m.YAxis
	p.Add(plotter.NewGrid())
	xy := make(plotter.XYs, len(m.X))
	for i := range xy {
		xy[i] = plotter.XY{X: m.X[i], Y: m.Y[i]}
	}
	disc, err := plotter.NewScatter(xy)
	if err != nil {
		return nil, 0, 0, err
	}
	disc.GlyphStyle = draw.GlyphStyle{Shape: draw.CircleGlyph{}, Color: color.White, Radius: radius}
	ring, err := plotter.NewScatter(xy)
	if err != nil {
		return nil, 0, 0, err
	}
	ring.GlyphStyle = draw.GlyphStyle{Shape: draw.RingGlyph{}, Color: color.RGBA{R: 31, G: 119, B: 180, A: 255}, Radius: radius}
	text, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: labels})
	if err != nil {
		return nil, 0, 0, err
	}
	for i := range text.TextStyle {
		text.TextStyle[i].XAlign, text.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
		text.TextStyle[i].Font.Size = size
	}
	p.Add(disc, ring, text)

	// The axes reach past the outermost points by a disc and a gap, so that
	// no disc crosses an axis or the page's edge. Their length on the page
	// is not known before drawing: it is taken short, less a generous
	// allowance for the tick labels, the axis labels and the title.
	room := radius + vg.Points(6)
	widen := func(a *plot.Axis, length vg.Length) {
		margin := (a.Max - a.Min) * float64(room/(length-2*room))
		a.Min, a.Max = a.Min-margin, a.Max+margin
	}
	widen(&p.X, w-vg.Points(100))
	widen(&p.Y, h-vg.Points(110))
	return p, w, h, nil
}
