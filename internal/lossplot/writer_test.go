package lossplot

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// A log reopened at a step keeps the earlier lines and drops the later ones,
// so that continuing from there writes the same bytes as one unbroken run.
func TestWriterReopenContinues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loss.csv")
	write := func(from, to int) {
		t.Helper()
		w, err := OpenWriter(path, from)
		if err != nil {
			t.Fatal(err)
		}
		for s := from; s < to; s++ {
			val := math.NaN()
			if s%2 == 1 {
				val = 3 - float64(s)/10
			}
			w.Add(s, 3-float32(s)/10, 0.1, val)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write(0, 6)
	whole, _ := os.ReadFile(path)
	want := Header + "\n0,3.000000,0.1,\n1,2.900000,0.1,2.900000\n2,2.800000,0.1,\n3,2.700000,0.1,2.700000\n4,2.600000,0.1,\n5,2.500000,0.1,2.500000\n"
	if string(whole) != want {
		t.Fatalf("log:\n%s\nwant:\n%s", whole, want)
	}
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("6,2.4") // a line cut off by a crash
	f.Close()
	write(3, 6)
	if again, _ := os.ReadFile(path); string(again) != want {
		t.Fatalf("reopened at step 3 and continued:\n%s\nwant:\n%s", again, want)
	}
	l, err := Parse(path, bytes.NewReader(whole))
	if err != nil || len(l.Step) != 6 || len(l.Val) != 3 || l.Val[0] != (Point{Step: 2, Loss: 2.9}) {
		t.Fatalf("parsed %+v, %v", l, err)
	}
}
