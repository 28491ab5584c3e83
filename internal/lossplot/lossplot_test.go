package lossplot

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"
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
