package model

// Decoder runs a sequence model one position of one word at a time, as
// sampling needs: each Stepper keeps what later positions read (a block's
// keys and values), so a new character costs one row, not the prefix again.
// The rows it computes are those a batch computes for the same word, with
// the same bits (Block.Step shares AttendRow and the kernels with Forward).
type Decoder struct {
	m      *Model
	tok    []int32     // [1] the token fed
	acts   [][]float32 // one row of every activation, as Activations.Acts
	states []any       // node i's step state, or nil
	pos    int         // the position the next token goes to
}

// NewDecoder returns a Decoder of the sequence model m.
func NewDecoder(m *Model) *Decoder {
	net := m.Net
	d := &Decoder{m: m, tok: make([]int32, 1), acts: make([][]float32, len(net.Nodes)+1), states: make([]any, len(net.Nodes))}
	d.acts[0] = make([]float32, net.Embed.Embd)
	for i, n := range net.Nodes {
		d.acts[i+1] = make([]float32, n.Out.Size())
		if s, ok := n.Layer.(Stepper); ok {
			d.states[i] = s.NewStepState()
		}
	}
	return d
}

// Reset starts a new word.
func (d *Decoder) Reset() { d.pos = 0 }

// Next feeds token t at the word's next position and returns the logits
// [Vocab] of the token after it, valid until the next call. A word starts
// with the boundary token; it has at most Block positions.
func (d *Decoder) Next(t int) []float32 {
	m := d.m
	x := Exec{Weights: m.Weights, Stats: m.Stats}
	d.tok[0] = int32(t)
	m.Net.Embed.Forward(m.Weights, d.tok, d.acts[0])
	for i, n := range m.Net.Nodes {
		if s, ok := n.Layer.(Stepper); ok {
			s.Step(x, d.states[i], d.acts[i], d.acts[i+1], d.pos)
		} else {
			n.Eval(x, nil, d.acts[i], d.acts[i+1], 1)
		}
	}
	d.pos++
	return d.acts[len(d.acts)-1]
}
