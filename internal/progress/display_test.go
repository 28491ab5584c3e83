package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// clock is a fake time that tests move by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{time.Unix(1e9, 0)} }
func (c *clock) display(w *bytes.Buffer, cols int) *Display {
	return newDisplay(w, cols, time.Second, c.now)
}

func TestPlainLines(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	d := c.display(&out, 0)

	quick := d.Phase("quick")
	quick(5, 10)
	c.advance(900 * time.Millisecond)
	quick(10, 10)
	if out.Len() != 0 {
		t.Fatalf("a phase within the delay printed %q", out.String())
	}

	slow := d.Phase("reading words.txt")
	for i := range int64(25) {
		c.advance(time.Second)
		slow(i, 25)
	}
	c.advance(500 * time.Millisecond)
	slow(25, 25)
	slow(25, 25) // a phase ends once
	want := "makemore: reading words.txt: 36%\nmakemore: reading words.txt: 76%\nmakemore: reading words.txt: done in 25.5s\n"
	if out.String() != want {
		t.Fatalf("printed %q, want %q", out.String(), want)
	}
}

// A phase reports to nobody once the next one has started, and a phase
// left unfinished prints nothing more.
func TestPhaseEndsWhenTheNextStarts(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	d := c.display(&out, 0)
	first := d.Phase("first")
	second := d.Phase("second")
	c.advance(2 * time.Second)
	first(1, 1)
	if out.Len() != 0 {
		t.Fatalf("a finished phase printed %q", out.String())
	}
	second(1, 1)
	if out.String() != "makemore: second: done in 2.0s\n" {
		t.Fatalf("printed %q", out.String())
	}
}

// A bar wraps in a terminal narrower than its line, leaving a line per
// redraw: below the width a bar needs, the display prints plain lines.
func TestNarrowTerminalGetsPlainLines(t *testing.T) {
	for _, c := range []struct {
		cols         int
		steps, phase bool // a bar of steps with count and rate; a phase's shorter one
	}{{0, false, false}, {50, false, false}, {70, false, true}, {80, true, true}, {200, true, true}} {
		var out bytes.Buffer
		clk := newClock()
		d := clk.display(&out, c.cols)
		if got := d.Steps(0, 200000, "loss 10.0000") != nil; got != c.steps {
			t.Errorf("%d columns: training bar %v, want %v", c.cols, got, c.steps)
		}
		p := d.Phase("calibrating batchnorm")
		clk.advance(11 * time.Second)
		p(50, 100)
		drew := strings.Contains(out.String(), "\r")
		if drew != c.phase || drew == strings.Contains(out.String(), "50%\n") {
			t.Errorf("%d columns: phase printed %q: want a bar %v, else a plain line", c.cols, out.String(), c.phase)
		}
	}
}

// The run's bar draws nothing before its first update, where its rate read
// "0 steps/hr", and counts a resumed run's own steps.
func TestStepsBarStartsAtTheFirstUpdate(t *testing.T) {
	for _, c := range []struct {
		first, step int
		want        string
	}{{0, 100, "(100/1000, "}, {500, 600, "(100/500, "}} {
		var out bytes.Buffer
		d := newClock().display(&out, 200)
		s := d.Steps(c.first, 1000, "loss 10.0000")
		if out.Len() != 0 {
			t.Fatalf("drawn before any step: %q", out.String())
		}
		s.Update(c.step, "loss 2.5000")
		if got := out.String(); !strings.Contains(got, c.want) || strings.Contains(got, "steps/hr") {
			t.Errorf("from step %d, at %d: %q, want %q and a rate", c.first, c.step, got, c.want)
		}
	}
	if d := newClock().display(&bytes.Buffer{}, 200); d.Steps(1000, 1000, "loss") != nil {
		t.Error("a bar for a run with no step to take")
	}
}
