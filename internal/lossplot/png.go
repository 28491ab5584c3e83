package lossplot

import (
	"bytes"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// PNG renders p as a PNG image of w × h: every picture of makemore's.
func PNG(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
