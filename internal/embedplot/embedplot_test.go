package embedplot

import (
	"bytes"
	"image/png"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
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
