package lossplot

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// logOf builds a loss log of n steps: loss 3 − step/n, learning rate 0.1 then
// 0.01 from decay, and a val probe every 10 steps.
func logOf(n, decay int) string {
	var b strings.Builder
	b.WriteString(Header + "\n")
	for s := range n {
		lr, val := 0.1, ""
		if s >= decay {
			lr = 0.01
		}
		if (s+1)%10 == 0 {
			val = fmt.Sprintf("%.6f", 3.2-float64(s)/float64(n))
		}
		fmt.Fprintf(&b, "%d,%.6f,%g,%s\n", s, 3-float64(s)/float64(n), lr, val)
	}
	return b.String()
}

func TestParseAndMeans(t *testing.T) {
	l, err := Parse("loss.csv", strings.NewReader(logOf(100, 50)))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Step) != 100 || len(l.Val) != 10 || l.Val[0] != (Point{Step: 10, Loss: 3.2 - 0.09}) || l.LR[49] != 0.1 || l.LR[50] != 0.01 {
		t.Fatalf("parsed %d steps, val %v, lr %v %v", len(l.Step), l.Val[:1], l.LR[49], l.LR[50])
	}
	m := l.Means(30) // three full windows, the last 10 steps dropped
	if len(m) != 3 || m[0].X != 30 || m[2].X != 90 {
		t.Fatalf("means %v", m)
	}
	// mean of 3 − s/100 over s = 30…59 is 3 − 0.445
	if d := m[1].Y - (3 - 0.445); d > 1e-9 || d < -1e-9 {
		t.Fatalf("second window mean %v, want %v", m[1].Y, 3-0.445)
	}
	if Window(200000) != 1000 || Window(3000) != 150 || Window(5) != 1 {
		t.Fatalf("windows %d %d %d", Window(200000), Window(3000), Window(5))
	}
}

func TestParseRefusesDamage(t *testing.T) {
	for name, text := range map[string]string{
		"foreign header": "a,b,c\n0,1,2\n",
		"empty":          "",
		"no steps":       Header + "\n",
		"bad number":     Header + "\n0,3.1,0.1,\n1,x,0.1,\n",
		"fields":         Header + "\n0,3.1,0.1\n",
		"order":          Header + "\n5,3.1,0.1,\n4,3.0,0.1,\n",
		"bad val":        Header + "\n0,3.1,0.1,y\n",
	} {
		if _, err := Parse("loss.csv", strings.NewReader(text)); err == nil || !strings.HasPrefix(err.Error(), "loss.csv") {
			t.Errorf("%s: err %v, want an error naming loss.csv", name, err)
		}
	}
}

func TestRenderDrawsAPNG(t *testing.T) {
	for _, n := range []int{1, 7, 2000} {
		l, err := Parse("loss.csv", strings.NewReader(logOf(n, n/2)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := Render(l)
		if err != nil {
			t.Fatalf("%d steps: %v", n, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%d steps: not a PNG: %v", n, err)
		}
		if r := img.Bounds(); r.Dx() < 400 || r.Dy() < 200 {
			t.Fatalf("%d steps: image %v", n, r)
		}
	}
}

// A line still being written is left out, and a log whose losses are all 0
// (no logarithm to draw) still renders.
func TestPartialLineAndZeroLosses(t *testing.T) {
	l, err := Parse("loss.csv", strings.NewReader(Header+"\n0,3.1,0.1,\n1,3.0,0.1,\n2,2.9"))
	if err != nil || len(l.Step) != 2 {
		t.Fatalf("parsed %v, %v; want the two complete lines", l, err)
	}
	l, err = Parse("loss.csv", strings.NewReader(Header+"\n0,0,0.1,\n1,0,0.01,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Render(l); err != nil {
		t.Fatalf("all-zero losses: %v", err)
	}
}

// The step axis is marked at round numbers written short.
func TestStepTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 200000, "0 50k 100k 150k 200k"},
		{1000, 200000, "50k 100k 150k 200k"},
		{0, 300, "0 50 100 150 200 250 300"},
		{0, 1.5e6, "0 500k 1M 1.5M"},
		{0, 7, "0 2 4 6"},
		{0, 12500, "0 5k 10k"},
		{3, 3, "3"},
	} {
		var labels []string
		minor := 0
		for _, tk := range (StepTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label == "" {
				minor++
				continue
			}
			labels = append(labels, tk.Label)
		}
		if got := strings.Join(labels, " "); got != c.want || (c.hi > c.lo && minor == 0) {
			t.Errorf("ticks of %v..%v: %q and %d minor, want %q and some minor", c.lo, c.hi, got, minor, c.want)
		}
	}
}

// A step schedule's drops are marked; a cosine, which changes the rate at
// every step, is not marked at all.
func TestLRChanges(t *testing.T) {
	step := []float64{0.1, 0.1, 0.01, 0.01, 0.001}
	if got := lrChanges(step); !slices.Equal(got, []int{2, 4}) {
		t.Fatalf("step schedule: changes at %v, want [2 4]", got)
	}
	cosine := make([]float64, 1000)
	for i := range cosine {
		cosine[i] = 0.5 * (1 + math.Cos(math.Pi*float64(i)/1000))
	}
	if got := lrChanges(cosine); got != nil {
		t.Fatalf("cosine schedule: %d changes marked, want none", len(got))
	}
}

// drawn draws p as PNG lays it out, 8 × 5 inches, and returns the drawing.
func drawn(p *plot.Plot) *recorder.Canvas {
	var rec recorder.Canvas
	Draw(p, draw.NewCanvas(&rec, 8*vg.Inch, 5*vg.Inch))
	return &rec
}

// texts are the strings written on rec.
func texts(rec *recorder.Canvas) []string {
	var out []string
	for _, a := range rec.Actions {
		if s, ok := a.(*recorder.FillString); ok {
			out = append(out, s.String)
		}
	}
	return out
}

// The loss axis is labelled with losses, as the terminal prints them, on a
// log scale as the lectures' log10, and says so.
func TestLossAxisShowsLosses(t *testing.T) {
	l, err := Parse("loss.csv", strings.NewReader(logOf(2000, 1000)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := lossPlot(l)
	if err != nil {
		t.Fatal(err)
	}
	written := texts(drawn(p))
	if !slices.Contains(written, "loss (log scale)") {
		t.Errorf("no axis label saying the loss is on a log scale among %q", written)
	}
	if _, ok := p.Y.Scale.(plot.LogScale); !ok {
		t.Errorf("y scale %T, want a log scale", p.Y.Scale)
	}
	labels := 0
	for _, tk := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if tk.Label == "" {
			continue
		}
		labels++
		v, err := strconv.ParseFloat(tk.Label, 64)
		// The log's losses run from 3.2 down to 2.
		if err != nil || math.Abs(v-tk.Value) > 1e-9 || v < 2 || v > 3.2 || !slices.Contains(written, tk.Label) {
			t.Errorf("y tick %q at %v: want a loss between 2 and 3.2, written on the picture", tk.Label, tk.Value)
		}
	}
	if labels < 3 {
		t.Errorf("%d labelled y ticks, want at least 3", labels)
	}
}

// Losses are written as they are printed, round in the axis' range.
func TestLossTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{2.06, 2.28, "2.10 2.15 2.20 2.25"},
		{1.93, 3.31, "2.0 2.5 3.0"},
		{0.6, 3.5, "1.0 1.5 2.0 2.5 3.0 3.5"},
		{0.01, 3.3, "0.01 0.02 0.05 0.1 0.2 0.5 1 2"},
		{0.00001, 3.3, "0.00001 0.0001 0.001 0.01 0.1 1"},
	} {
		var labels []string
		for _, tk := range (LossTicks{}).Ticks(c.lo, c.hi) {
			if tk.Value < c.lo || tk.Value > c.hi {
				t.Errorf("ticks of %v..%v: %v is outside", c.lo, c.hi, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, " "); got != c.want {
			t.Errorf("ticks of %v..%v: %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
}

// Each val probe is drawn as a point of its own.
func TestValProbesArePoints(t *testing.T) {
	l, err := Parse("loss.csv", strings.NewReader(logOf(100, 50)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := lossPlot(l)
	if err != nil {
		t.Fatal(err)
	}
	var col color.Color
	points := 0
	for _, a := range drawn(p).Actions {
		switch a := a.(type) {
		case *recorder.SetColor:
			col = a.Color
		case *recorder.Fill:
			for _, c := range a.Path {
				if c.Type == vg.ArcComp && col == color.Color(orange) {
					points++
				}
			}
		}
	}
	if points < len(l.Val) {
		t.Fatalf("%d points drawn in the val probes' colour, want one per probe, %d", points, len(l.Val))
	}
}

// The suggested rate stands inside the axis even at the sweep's last rate,
// or its first, not on the end, where it reads as the frame.
func TestSuggestedRateInsideTheAxis(t *testing.T) {
	s := Sweep{Window: 1}
	for i := range 20 {
		s.Exponent = append(s.Exponent, -3+3*float64(i)/19)
		s.Loss = append(s.Loss, 3.3-0.05*float64(i))
	}
	s.Smoothed = s.Loss
	for _, suggested := range []float64{1, 0.001} {
		s.Suggested = suggested
		p, err := sweepPlot(s)
		if err != nil {
			t.Fatal(err)
		}
		x, margin := math.Log10(suggested), 0.02*(p.X.Max-p.X.Min)
		if x-p.X.Min < margin || p.X.Max-x < margin {
			t.Errorf("suggested 10^%v on an axis of %v..%v: want it 2%% of the axis from either end", x, p.X.Min, p.X.Max)
		}
	}
}

// A window of one step is named in the singular, in both pictures' legends.
func TestLegendOfOneStep(t *testing.T) {
	l, err := Parse("loss.csv", strings.NewReader(logOf(30, 100)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := lossPlot(l)
	if err != nil {
		t.Fatal(err)
	}
	s := Sweep{Window: 1, Exponent: []float64{-3, -2, -1}, Loss: []float64{3, 2.5, 2.8}}
	s.Smoothed, s.Suggested = s.Loss, 0.01
	sp, err := sweepPlot(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    *plot.Plot
		want string
	}{{p, "minibatch loss, mean of 1 step"}, {sp, "mean of 1 step"}} {
		if got := texts(drawn(c.p)); !slices.Contains(got, c.want) {
			t.Errorf("legend %q not among the texts drawn: %q", c.want, got)
		}
	}
}
