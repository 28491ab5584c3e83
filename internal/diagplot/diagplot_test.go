package diagplot

import (
	"bytes"
	"strings"
	"testing"
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
