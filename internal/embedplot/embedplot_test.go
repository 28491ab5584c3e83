package embedplot

import (
	"bytes"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/makemore/makemore/internal/lossplot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// With two dimensions the map is the table's two columns, as the lecture's.
func TestProjectTwoDimensions(t *testing.T) {
	c := []float32{1, 2, 3, 4, 5, 6}
	m, err := Project(c, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.X, []float64{1, 3, 5}) || !slices.Equal(m.Y, []float64{2, 4, 6}) || m.XAxis != "C[:,0]" || m.YAxis != "C[:,1]" {
		t.Fatalf("map %+v", m)
	}
}

// Rows on a tilted plane in 4 dimensions: the first two principal
// components hold all the variance and keep every distance between rows.
func TestProjectPrincipalComponents(t *testing.T) {
	const v, e = 9, 4
	r := rand.New(rand.NewPCG(1, 2))
	a, b := []float64{1, 2, -1, 0.5}, []float64{0.3, -1, 0.7, 2}
	c := make([]float32, v*e)
	for i := range v {
		s, u := 3*r.NormFloat64(), r.NormFloat64() // more spread along a
		for j := range e {
			c[i*e+j] = float32(5 + s*a[j] + u*b[j])
		}
	}
	m, err := Project(c, v, e)
	if err != nil {
		t.Fatal(err)
	}
	if sum := m.PrincipalShare[0] + m.PrincipalShare[1]; math.Abs(sum-1) > 1e-6 || m.PrincipalShare[0] < m.PrincipalShare[1] {
		t.Fatalf("shares %v, want all the variance, the first the larger", m.PrincipalShare)
	}
	for i := range v {
		for k := range v {
			var d float64
			for j := range e {
				x := float64(c[i*e+j] - c[k*e+j])
				d += x * x
			}
			p := math.Hypot(m.X[i]-m.X[k], m.Y[i]-m.Y[k])
			if math.Abs(math.Sqrt(d)-p) > 1e-4*(1+p) {
				t.Fatalf("rows %d, %d: distance %v, projected %v", i, k, math.Sqrt(d), p)
			}
		}
	}
	if !strings.Contains(m.Title, "principal components") || !strings.Contains(m.XAxis, "% of the variance") {
		t.Fatalf("the map does not say it is a projection: %q, %q", m.Title, m.XAxis)
	}
	// A negated table is the same cloud mirrored: its components are the
	// same directions, turned the same way, so its points are mirrored too.
	neg := make([]float32, len(c))
	for i := range c {
		neg[i] = 10 - c[i]
	}
	n, err := Project(neg, v, e)
	if err != nil {
		t.Fatal(err)
	}
	for i := range v {
		if math.Abs(n.X[i]+m.X[i]) > 1e-4 || math.Abs(n.Y[i]+m.Y[i]) > 1e-4 {
			t.Fatalf("row %d: (%v, %v) for the negated table, (%v, %v) for the table", i, n.X[i], n.Y[i], m.X[i], m.Y[i])
		}
	}
}

func TestRenderDrawsAPNG(t *testing.T) {
	m, err := Project([]float32{0, 1, 2, 3, 4, 5, 1, 1, 1}, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Render(m, []string{".", "a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if img, err := png.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Dx() < 400 {
		t.Fatalf("not a picture: %v", err)
	}
}

// circle is a disc drawn on the map.
type circle struct {
	x, y, r vg.Length
}

// drawnMap draws the map of v random points, as Render does, and returns its
// white discs, where its axes are (the y axis' x and the x axis' y), the
// title's baseline and the page's size.
func drawnMap(t *testing.T, v int) (discs []circle, yAxis, xAxis, title, w, h vg.Length) {
	r := rand.New(rand.NewPCG(5, uint64(v)))
	c := make([]float32, 2*v)
	for i := range c {
		c[i] = float32(r.NormFloat64())
	}
	m, err := Project(c, v, 2)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]string, v)
	for i := range labels {
		labels[i] = string(rune('A' + i%58))
	}
	p, w, h, err := mapPlot(m, labels)
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder.Canvas
	lossplot.Draw(p, draw.NewCanvas(&rec, w, h))
	is := func(a, b color.Color) bool {
		ar, ag, ab, aa := a.RGBA()
		br, bg, bb, ba := b.RGBA()
		return ar == br && ag == bg && ab == bb && aa == ba
	}
	var col color.Color
	var vertical, horizontal vg.Length // the longest black lines: the axes
	for _, a := range rec.Actions {
		switch a := a.(type) {
		case *recorder.SetColor:
			col = a.Color
		case *recorder.Fill:
			for _, pc := range a.Path {
				if pc.Type == vg.ArcComp && is(col, color.White) {
					discs = append(discs, circle{pc.Pos.X, pc.Pos.Y, pc.Radius})
				}
			}
		case *recorder.Stroke:
			if len(a.Path) != 2 || !is(col, color.Black) {
				continue
			}
			from, to := a.Path[0].Pos, a.Path[1].Pos
			if l := to.Y - from.Y; from.X == to.X && max(l, -l) > vertical {
				vertical, yAxis = max(l, -l), from.X
			}
			if l := to.X - from.X; from.Y == to.Y && max(l, -l) > horizontal {
				horizontal, xAxis = max(l, -l), from.Y
			}
		case *recorder.FillString:
			if a.String == m.Title {
				title = a.Point.Y
			}
		}
	}
	if len(discs) != v || vertical == 0 || horizontal == 0 || title == 0 {
		t.Fatalf("%d discs for %d characters, axes %v and %v long, title at %v", len(discs), v, vertical, horizontal, title)
	}
	return discs, yAxis, xAxis, title, w, h
}

// Every disc, and so the letter on it, stands inside the axes and the page
// and below the title, with room to spare (gonum alone sets a disc at the
// end of the axis 6 points from the axis line, where it reads as sitting on
// it), whatever the vocabulary.
func TestDiscsInsideThePicture(t *testing.T) {
	const room = 8 // points
	for _, v := range []int{27, 120, 400} {
		discs, yAxis, xAxis, title, w, _ := drawnMap(t, v)
		for _, d := range discs {
			if d.x-d.r < yAxis+room || d.x+d.r > w-room || d.y-d.r < xAxis+room || d.y+d.r > title-room {
				t.Errorf("%d characters: disc at (%.1f, %.1f), radius %.1f, is within %d points of the y axis at x %.1f, the x axis at y %.1f, the title at y %.1f or the page's right edge at %.1f",
					v, d.x, d.y, d.r, room, yAxis, xAxis, title, w)
			}
		}
	}
}

// A big vocabulary is given room: its discs overlap no more often than
// names.txt's 27 do.
func TestBigVocabularyStaysLegible(t *testing.T) {
	overlapping := func(v int) float64 {
		discs, _, _, _, _, _ := drawnMap(t, v)
		n := 0
		for i, a := range discs {
			for j, b := range discs {
				if i != j && math.Hypot(float64(a.x-b.x), float64(a.y-b.y)) < float64(a.r+b.r) {
					n++
					break
				}
			}
		}
		return float64(n) / float64(v)
	}
	names := overlapping(27)
	for _, v := range []int{120, 400} {
		if got := overlapping(v); got > names+0.1 {
			t.Errorf("%d characters: %.0f%% of the discs overlap another, against %.0f%% of names.txt's 27", v, 100*got, 100*names)
		}
	}
}
