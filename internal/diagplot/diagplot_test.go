package diagplot

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/makemore/makemore/internal/inspect"
	"github.com/makemore/makemore/internal/lossplot"
	"github.com/makemore/makemore/internal/model"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// A density histogram integrates to 1, its bins span min..max, and the
// maximum falls in the last bin.
func TestDensity(t *testing.T) {
	x := []float32{-1, -0.5, 0, 0, 0.25, 3}
	xy := Density(x, 8)
	width := 4.0 / 8
	var area float64
	for _, p := range xy {
		area += p.Y * width
	}
	if len(xy) != 8 || xy[0].X != -1+width/2 || xy[7].X != 3-width/2 || area < 1-1e-12 || area > 1+1e-12 {
		t.Fatalf("Density = %v (area %v)", xy, area)
	}
	if want := 1 / (6 * width); xy[7].Y != want {
		t.Fatalf("last bin %v, want %v: the maximum belongs in it", xy[7].Y, want)
	}
	if one := Density([]float32{2, 2}, 8); len(one) != 1 || one[0].X != 2 {
		t.Fatalf("Density of equal values = %v", one)
	}
}

func TestParseUpdates(t *testing.T) {
	u, err := ParseUpdates("u.csv", strings.NewReader("step,C,W1\n0,-3.1,-2.5\n100,-3.2,-Inf\n200,-3.3"))
	if err != nil || len(u.Step) != 2 || u.Names[1] != "W1" || u.Ratio[0][1] != -3.2 {
		t.Fatalf("ParseUpdates = %+v, %v", u, err)
	}
	// A weight with no update at some step has no logarithm there: drawn without it.
	if b, err := Update(u); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("Update: %v", err)
	}
	for _, c := range []struct{ in, want string }{
		{"a,b\n", "not a makemore update log"},
		{"step,C\n0,x\n", "u.csv:2: bad number"},
		{"step,C\n0,1,2\n", "u.csv:2: want 2 fields"},
		{"step,C\n5,1\n5,1\n", "u.csv:3: bad or out-of-order step"},
		{"step,C\n", "no steps logged yet"},
	} {
		if _, err := ParseUpdates("u.csv", strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseUpdates(%q): %v, want %q", c.in, err, c.want)
		}
	}
}

// The update:data axis is marked at round, evenly spaced log10 ratios,
// among them the guide's −3.
func TestUpdateTicksAreRound(t *testing.T) {
	p := plotOf(t, "step,C,W1\n0,-3.05,-1.1\n100,-2.9,-1.4\n200,-2.95,-1.3\n")
	var at []float64
	for _, tk := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if tk.Label == "" {
			continue
		}
		v, err := strconv.ParseFloat(tk.Label, 64)
		if err != nil || v != tk.Value || math.Abs(2*v-math.Round(2*v)) > 1e-9 {
			t.Errorf("tick %q at %v: want a whole or half log10 ratio", tk.Label, tk.Value)
		}
		at = append(at, tk.Value)
	}
	if len(at) < 3 || !slices.Contains(at, UpdateGuide) {
		t.Fatalf("ticks at %v: want three or more, the guide's %d among them", at, UpdateGuide)
	}
	for i := 2; i < len(at); i++ {
		if math.Abs((at[i]-at[i-1])-(at[1]-at[0])) > 1e-9 {
			t.Fatalf("ticks at %v: want them evenly spaced", at)
		}
	}
}

// Each curve of a deep network's picture has a line of its own: no two
// alike, and the first ten in colours far apart.
func TestEveryCurveDistinct(t *testing.T) {
	const n = 13 // more than any one palette of ten
	r := rand.New(rand.NewPCG(3, 4))
	var cs []Curve
	for i := range n {
		v := make([]float32, 500)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		cs = append(cs, Curve{Label: fmt.Sprintf("W%d", i), Values: v})
	}
	p, err := distributions("weights gradient distribution", "gradient", cs)
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder.Canvas
	lossplot.Draw(p, draw.NewCanvas(&rec, 10*vg.Inch, 5*vg.Inch))
	var (
		col    color.Color
		dashes []vg.Length
		styles []string
		cols   []color.Color
	)
	for _, a := range rec.Actions {
		switch a := a.(type) {
		case *recorder.SetColor:
			col = a.Color
		case *recorder.SetLineDash:
			dashes = a.Dashes
		case *recorder.Stroke:
			if len(a.Path) == Bins { // a curve, not an axis, a tick or a legend entry
				styles = append(styles, fmt.Sprint(col, dashes))
				cols = append(cols, col)
			}
		}
	}
	if len(styles) != n {
		t.Fatalf("%d curves drawn, want %d", len(styles), n)
	}
	for i := range styles {
		for j := range i {
			if styles[i] == styles[j] {
				t.Errorf("curves %d and %d are drawn alike: %s", j, i, styles[i])
			}
			if i < 10 {
				if d := rgbDistance(cols[i], cols[j]); d < 60 {
					t.Errorf("curves %d and %d: colours %v and %v only %.0f apart", j, i, cols[j], cols[i], d)
				}
			}
		}
	}
}

func rgbDistance(a, b color.Color) float64 {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) float64 { return (float64(x) - float64(y)) / 257 }
	return math.Sqrt(d(ar, br)*d(ar, br) + d(ag, bg)*d(ag, bg) + d(ab, bb)*d(ab, bb))
}

// The saturation map says that its percentage counts a stricter limit than
// the table's, and what its rows are when a row is one position of an
// example.
func TestSaturationSaysWhatItCounts(t *testing.T) {
	layer := func(name, kind string, rows int) inspect.Layer {
		act := make([]float32, rows*3)
		for i := range act {
			act[i] = 0.98 // saturated at the table's 0.97, not at the map's 0.99
		}
		return inspect.Layer{Name: name, Kind: kind, Rows: rows, Cols: 3, In: act, Act: act}
	}
	r := &inspect.Report{Batch: 4, Layers: []inspect.Layer{
		layer("h1", model.ActTanh, 8), // 4 examples × 2 positions
		layer("h2", model.ActTanh, 4), // one row per example
		layer("h3", model.ActReLU, 4), // one rule for both
	}}
	ps := saturationPanels(r)
	if len(ps) != 3 {
		t.Fatalf("%d panels, want 3", len(ps))
	}
	for i, want := range []string{"|tanh| > 0.99 (0.00% of 8×3); the table's saturated % counts |tanh| > 0.97", "|tanh| > 0.99 (0.00% of 4×3); the table's saturated % counts |tanh| > 0.97"} {
		if !strings.Contains(ps[i].Title.Text, want) {
			t.Errorf("panel %d: title %q, want it to say %q", i, ps[i].Title.Text, want)
		}
	}
	if strings.Contains(ps[2].Title.Text, "table") {
		t.Errorf("ReLU panel: title %q compares the limits of one rule", ps[2].Title.Text)
	}
	if labels := ps[0].X.Label.Text + " " + ps[0].Y.Label.Text; !strings.Contains(labels, "B·T = 4 examples × 2 positions") {
		t.Errorf("panel of 8 rows for 4 examples: labels %q do not say the rows are B·T", labels)
	}
	if labels := ps[1].X.Label.Text + " " + ps[1].Y.Label.Text; strings.Contains(labels, "B·T") || ps[1].Y.Label.Text != "batch row" {
		t.Errorf("panel of a row per example: labels %q", labels)
	}
}

// Steps a resumed run took without diagnostics, marked in the log by a line
// of NaN, leave a gap in each weight's line instead of a straight line
// across them; a lone point after a gap is still drawn.
func TestUpdateLeavesGapBlank(t *testing.T) {
	p := plotOf(t, "step,C,W1\n0,-3.0,-2.0\n50,-3.1,-2.1\n100,NaN,NaN\n300,-3.2,-2.2\n350,-3.3,-2.3\n400,NaN,NaN\n600,-3.4,-2.4\n")
	var rec recorder.Canvas
	lossplot.Draw(p, draw.NewCanvas(&rec, 10*vg.Inch, 5*vg.Inch))
	var (
		col            color.Color
		lines, longest int
		dots           int
	)
	for _, a := range rec.Actions {
		switch a := a.(type) {
		case *recorder.SetColor:
			col = a.Color
		case *recorder.Stroke:
			if col == palette[0] { // C's lines, and its legend's
				lines++
				longest = max(longest, len(a.Path))
			}
		case *recorder.Fill:
			if col == palette[0] {
				dots++
			}
		}
	}
	// Steps 0–50 and 300–350, and the legend's; the lone 600 a dot.
	if lines != 3 || longest != 2 || dots != 1 {
		t.Fatalf("C drawn as %d lines of up to %d points and %d dots; want 3 lines of up to 2 points (none across a gap) and a dot for the lone step", lines, longest, dots)
	}
}

// plotOf is update.png's plot of the update log csv.
func plotOf(t *testing.T, csv string) *plot.Plot {
	t.Helper()
	u, err := ParseUpdates("u.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	p, err := updatePlot(u)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
