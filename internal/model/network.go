package model

import (
	"fmt"
	"math"
	"strconv"

	"github.com/makemore/makemore/internal/kernels"
)

// Shape is one example's activation: T positions of C values each. A batch
// of B examples is the row-major matrix [B·T × C], so every layer works on
// rows and a flatten is only a new way to read the same memory.
type Shape struct{ T, C int }

// Size is the number of values of one example.
func (s Shape) Size() int { return s.T * s.C }

// Init says how a tensor starts: drawn from N(0, Std²) when Std > 0, from
// U(−Uniform, Uniform) when Uniform > 0 (PyTorch's Linear), otherwise every
// element is Fill.
type Init struct{ Std, Uniform, Fill float64 }

// Tensor is one entry of the network's table of stored tensors: the
// parameters (trained) and the statistics (calibrated after training).
type Tensor struct {
	Name  string
	Shape []int
	Init  Init
	Off   int // first element in the model's Weights (a parameter) or Stats (a statistic)
}

// Len is the number of elements.
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Of is t's elements within flat: the model's Weights or Stats, or a
// gradient laid out as the Weights.
func (t *Tensor) Of(flat []float32) []float32 {
	end := t.Off + t.Len()
	return flat[t.Off:end:end]
}

// Layer is one step between the embedding and the loss. Its input and
// output are batches of rows (see Shape); it finds its tensors in x.
type Layer interface {
	// OutShape is one example's output shape for an input of shape in, or
	// why the layer cannot take that input.
	OutShape(in Shape) (Shape, error)
	// Forward runs training mode on rows input rows, keeping in cache (from
	// NewCache, or nil) what the backward pass needs.
	Forward(x Exec, cache any, in, out []float32, rows int)
	// Eval runs eval mode on rows input rows, with calibrated statistics
	// through state (from NewEvalState, after Prepare, or nil).
	Eval(x Exec, state any, in, out []float32, rows int)
}

// A Cacher keeps state from its training forward pass for the backward pass.
type Cacher interface {
	NewCache(rows int) any
}

// A Preparer derives values from the weights and statistics once per eval
// pass, shared by every chunk: batchnorm's scale and shift.
type Preparer interface {
	NewEvalState() any
	Prepare(x Exec, state any)
}

// A Calibrator has statistics measured over the training split after
// training: per chunk of its input rows it adds float64 sums into part
// (PartLen long), and Finish turns the sums over all rows into the statistics.
type Calibrator interface {
	PartLen() int
	Accumulate(part []float64, in []float32, rows int)
	Finish(stats []float32, sums []float64, rows int)
}

// A View reads its input as its output: it computes nothing and has no
// buffer of its own, forward or backward.
type View interface {
	IsView()
}

// An InPlace layer is element-wise in eval mode: its output may be written
// over its input, so that an eval chunk stays in one buffer, and in cache,
// while it passes through.
type InPlace interface {
	EvalInPlace()
}

// An EvalCacher needs buffers in eval mode too, one set per evaluating
// worker: a layer made of layers, or attention's weights.
type EvalCacher interface {
	NewEvalCache(rows int) any
}

// A Stepper runs one row at a time at a given position of a word, keeping in
// state what later positions need (a Transformer block's keys and values):
// the sampler's path. Layers that are not Steppers are row by row already,
// and step through Eval on one row.
type Stepper interface {
	NewStepState() any
	Step(x Exec, state any, in, out []float32, pos int)
}

// Exec is what a layer runs with: the weights and statistics, the pool
// that splits a training batch's products (nil in eval, where each worker
// runs its own chunk on its goroutine), and for a sequence model the words
// of the rows.
type Exec struct {
	Pool    *kernels.Pool
	Weights []float32
	Stats   []float32
	// Starts are a sequence batch's words: word i is rows [Starts[i],
	// Starts[i+1]), and the last entry is the number of rows.
	Starts []int32
	// Noise keys a training step's dropout masks (see DropoutMask).
	Noise uint64
}

// MatMul sets c[m×n] = a[m×k]·b[k×n] + bias[n] on the pool, or on the
// calling goroutine without one; both give the same bits.
func (x Exec) MatMul(c, a, b, bias []float32, m, k, n int) {
	if x.Pool != nil {
		x.Pool.MatMul(c, a, b, bias, m, k, n)
	} else {
		kernels.MatMul(c, a, b, bias, m, k, n)
	}
}

// Map sets dst = f(src) element by element (f one of kernels' element-wise
// functions of one input) on the pool, or on the calling goroutine without
// one; both give the same bits.
func (x Exec) Map(f func(dst, src []float32), dst, src []float32) {
	if x.Pool != nil {
		x.Pool.Map(f, dst, src)
	} else {
		f(dst, src)
	}
}

// Split calls s.Span over ranges covering [0, n), each at least least long,
// on the pool (see kernels.Pool.Split), or s.Span(0, n) on the calling
// goroutine without one; both give the same bits.
func (x Exec) Split(s kernels.Spanner, n, least int) {
	if x.Pool != nil {
		x.Pool.Split(s, n, least)
	} else {
		s.Span(0, n)
	}
}

// Node is a layer in place: its output's name, as the lecture calls the
// tensor, and one example's input and output shapes.
type Node struct {
	Layer
	Name    string
	In, Out Shape
}

// Network is the model's layers in order — embedding, the layers, the
// loss — and the table of tensors they own, in checkpoint order.
type Network struct {
	Block   int // context length: the embedding's positions per row
	RowsPer int // the most rows of one example: a sequence model's block size, else 1
	Embed   *Embedding
	Nodes   []Node
	Loss    *CrossEntropy
	Params  []*Tensor // trained, laid out back to back in Model.Weights
	Stats   []*Tensor // calibrated, back to back in Model.Stats
	nParams int
	nStats  int
	names   map[string]bool // of tensors and activations: each names one thing
	err     error           // the first inconsistency found while building
}

// Network describes the model c, the one place its layers are listed. The
// lecture-4 MLP (Layers 1, tanh):
//
//	emb = C[X]                       [B × Block × Embd]
//	embcat = emb viewed flat         [B × Block·Embd]
//	hprebn = embcat·W1 + b1          [B × Hidden]
//	hpreact = γ·(hprebn − μ)/σ + β   [B × Hidden]  (batch stats in training, calibrated ones in eval)
//	h = tanh(hpreact)                [B × Hidden]
//	logits = h·W2 + b2               [B × Vocab]
//	loss = cross-entropy(logits, Y)
//
// With more Layers the three middle lines repeat, their names numbered
// (hprebn1, W1, bngain1, …); OutputBN adds batchnorm on the logits. A model
// without batchnorm (NoBN) computes hpreact = embcat·W1 + b1
// at once, and its WaveNet levels have biases.
// The WaveNet of lecture 5 instead halves the positions at every level:
//
//	emb = C[X]                                 [B × Block × Embd]
//	level k: catk = pairs of positions joined   [B × T/2 × 2C]
//	         hprebnk = catk·Wk                  [B·T/2 × Hidden]
//	         hpreactk = batchnorm over B·T/2 rows, hk = activation
//	logits = h·W + b                           [B × Vocab]
//
// It reports a layer that cannot take its input's shape, a name used twice
// and logits that are not one row of Vocab per example.
func (c Config) Network() (*Network, error) {
	c = c.Canonical()
	n := &Network{Block: c.Context(), RowsPer: c.RowsPer(), names: map[string]bool{}}
	gain := c.Gain
	if gain == 0 {
		gain = ActivationGain(c.Activation)
	}
	switch c.Arch {
	case ArchTransformer:
		c.transformer(n)
	case ArchRNN, ArchGRU, ArchLSTM:
		c.recurrent(n)
	case ArchBoW:
		c.bow(n)
	case ArchBigram:
		// logits = L[X], the table [Vocab × Vocab] zeros at the start:
		// makemore.py's bigram, with no layer between lookup and loss.
		n.Embed = &Embedding{Name: n.name("emb"), Embd: c.Vocab, C: n.param("logits", Init{}, c.Vocab, c.Vocab)}
	case ArchWaveNet:
		n.Embed = &Embedding{Name: n.name("emb"), Embd: c.Embd, C: n.param("C", Init{Std: 1}, c.Vocab, c.Embd)}
		c.wavenet(n, gain)
	default:
		n.Embed = &Embedding{Name: n.name("emb"), Embd: c.Embd, C: n.param("C", Init{Std: 1}, c.Vocab, c.Embd)}
		c.mlp(n, gain)
	}
	n.Loss = &CrossEntropy{Vocab: c.Vocab}
	if out := n.Out(); n.err == nil && out != (Shape{1, c.Vocab}) {
		n.err = fmt.Errorf("the network ends in %d positions of %d values per example, not one of the vocabulary's %d", out.T, out.C, c.Vocab)
	}
	return n, n.err
}

// mlp lists the MLP's layers: lecture 4's, and with more blocks and
// OutputBN lecture 3's deep network.
func (c Config) mlp(n *Network, gain float64) {
	// One block keeps the lecture's names; more are numbered from 1.
	num := func(k int) string {
		if c.Layers == 1 {
			return ""
		}
		return strconv.Itoa(k)
	}
	n.add("embcat", &Flatten{N: c.Block})
	in := c.In()
	for k := 1; k <= c.Layers; k++ {
		b := "b" + strconv.Itoa(k)
		if c.NoBias {
			b = ""
		}
		c.hidden(n, num(k), n.linear("W"+strconv.Itoa(k), b, in, c.Hidden, Init{Std: gain / math.Sqrt(float64(in))}))
		in = c.Hidden
	}
	out := strconv.Itoa(c.Layers + 1)
	if c.OutputBN {
		// Lecture 3: the logits normalised, and scaled down at the start so
		// that the first predictions are nearly uniform.
		n.add("prelogits", n.linear("W"+out, "", in, c.Vocab, Init{Std: 1 / math.Sqrt(float64(in))}))
		n.add("logits", n.batchNorm(out, c.Vocab, 0.1))
		return
	}
	// Lecture 4: small logits at the start, from weights of std 0.1.
	n.add("logits", n.linear("W"+out, "b"+out, in, c.Vocab, Init{Std: 0.1}))
}

// wavenet lists lecture 5's hierarchical model: Layers levels of
// FlattenConsecutive(2) → Linear (no bias) → BatchNorm → activation, then
// the logits.
func (c Config) wavenet(n *Network, gain float64) {
	in := c.Embd
	for k := 1; k <= c.Layers; k++ {
		s := strconv.Itoa(k)
		n.add("cat"+s, &Flatten{N: 2})
		b := "b" + s
		if c.NoBias {
			b = ""
		}
		c.hidden(n, s, n.linear("W"+s, b, 2*in, c.Hidden, Init{Std: gain / math.Sqrt(float64(2*in))}))
		in = c.Hidden
	}
	// Lecture 5: the last layer's weights scaled by 0.1 at the start, its
	// bias zero.
	out := strconv.Itoa(c.Layers + 1)
	n.add("logits", n.linearBias("W"+out, "b"+out, in, c.Vocab, Init{Std: 0.1 / math.Sqrt(float64(in))}, Init{}))
}

// transformer lists makemore.py's Transformer, GPT-2's layout, over the rows
// of a sequence batch (one row per position of each word):
//
//	tok_emb = wte[X]                     [rows × C]
//	x0 = tok_emb + wpe[pos]              [rows × C]
//	xk = block k−1 of x(k−1), k = 1…L    [rows × C]  (see Block)
//	xf = ln_f(xL)                        [rows × C]
//	logits = xf·lm_head                  [rows × Vocab]
//
// Its tensors are named as makemore.py's state dict (without "transformer."),
// with ".W" for a Linear's weight: stored [in × out], the transpose of
// torch's, hence the other name. Every Linear starts as torch's,
// U(±1/√fan_in) for its weight and bias; the embeddings N(0, 1).
func (c Config) transformer(n *Network) {
	C := c.Embd
	n.Embed = &Embedding{Name: n.name("tok_emb"), Embd: C, C: n.param("wte", Init{Std: 1}, c.Vocab, C)}
	n.add("x0", &PosEmbedding{Embd: C, P: n.param("wpe", Init{Std: 1}, c.Block, C)})
	for k := range c.Layers {
		h := "h" + strconv.Itoa(k) + "."
		n.add("x"+strconv.Itoa(k+1), &Block{
			C:       C,
			Index:   k,
			Dropout: c.Dropout,
			LN1:     n.layerNorm(h+"ln_1", C),
			QKV:     n.torchLinear(h+"attn.c_attn", true, C, 3*C),
			Attn:    &Attention{C: C, Heads: c.Heads, Block: c.Block},
			Proj:    n.torchLinear(h+"attn.c_proj", true, C, C),
			LN2:     n.layerNorm(h+"ln_2", C),
			FC:      n.torchLinear(h+"mlp.c_fc", true, C, 4*C),
			FCProj:  n.torchLinear(h+"mlp.c_proj", true, 4*C, C),
		})
	}
	n.add("xf", n.layerNorm("ln_f", C))
	n.add("logits", n.torchLinear("lm_head", false, C, c.Vocab))
}

// recurrent lists makemore.py's RNN and GRU, and our LSTM, over the rows of
// a sequence batch:
//
//	tok_emb = wte[X]               [rows × C]
//	h = the cell over each word    [rows × H]  (see RNN, GRU, LSTM)
//	logits = h·lm_head + b         [rows × Vocab]
//
// Named as makemore.py's state dict, ".W" a Linear's weight stored [in × out];
// each gate a Linear over [x_t, h_{t−1}] initialised as torch's, U(±1/√(C+H))
// weights and biases, the start states zeros.
func (c Config) recurrent(n *Network) {
	C, H := c.Embd, c.Hidden
	n.Embed = &Embedding{Name: n.name("tok_emb"), Embd: C, C: n.param("wte", Init{Std: 1}, c.Vocab, C)}
	start := n.param("start", Init{}, 1, H)
	gate := func(name string) *Linear { return n.torchLinear("cell.xh_to_"+name, true, C+H, H) }
	switch c.Arch {
	case ArchRNN:
		n.add("h", &RNN{In: C, Hidden: H, Start: start, Cell: gate("h")})
	case ArchGRU:
		n.add("h", &GRU{In: C, Hidden: H, Start: start, Z: gate("z"), R: gate("r"), HBar: gate("hbar")})
	case ArchLSTM:
		l := &LSTM{In: C, Hidden: H, Start: start, StartC: n.param("start_c", Init{}, 1, H), I: gate("i")}
		// The forget gate's bias starts at 1 (Gers et al. 2000; Jozefowicz
		// et al. 2015): f near σ(1) = 0.73 keeps most of the cell state
		// from the first step, so gradients reach early characters before
		// the gate has learned to remember; near σ(0) = 0.5 the state halves
		// every character and the early gradients vanish.
		l.F = n.linearBias("cell.xh_to_f.W", "cell.xh_to_f.b", C+H, H, Init{Uniform: 1 / math.Sqrt(float64(C+H))}, Init{Fill: 1})
		l.G, l.O = gate("g"), gate("o")
		n.add("h", l)
	}
	n.add("logits", n.torchLinear("lm_head", true, H, c.Vocab))
}

// bow lists makemore.py's bag of words:
//
//	tok_emb = wte[X]                      [rows × C]
//	x0 = tok_emb + wpe[pos]               [rows × C]
//	x1 = the block of x0 (see BoWBlock)   [rows × C]
//	logits = x1·lm_head + b               [rows × Vocab]
func (c Config) bow(n *Network) {
	C := c.Embd
	n.Embed = &Embedding{Name: n.name("tok_emb"), Embd: C, C: n.param("wte", Init{Std: 1}, c.Vocab, C)}
	n.add("x0", &PosEmbedding{Embd: C, P: n.param("wpe", Init{Std: 1}, c.Block, C)})
	n.add("x1", &BoWBlock{C: C, Hidden: c.Hidden,
		FC:   n.torchLinear("context_block.mlp.c_fc", true, C, c.Hidden),
		Proj: n.torchLinear("context_block.mlp.c_proj", true, c.Hidden, C)})
	n.add("logits", n.torchLinear("lm_head", true, C, c.Vocab))
}

// torchLinear is a Linear named name, initialised as torch.nn.Linear.
func (n *Network) torchLinear(name string, bias bool, in, out int) *Linear {
	u := Init{Uniform: 1 / math.Sqrt(float64(in))}
	b := ""
	if bias {
		b = name + ".b"
	}
	return n.linearBias(name+".W", b, in, out, u, u)
}

// layerNorm is a LayerNorm of width c named name, starting as the identity.
func (n *Network) layerNorm(name string, c int) *LayerNorm {
	return &LayerNorm{Width: c, Gain: n.param(name+".weight", Init{Fill: 1}, c), Bias: n.param(name+".bias", Init{}, c)}
}

// hidden adds a hidden block after its Linear l: l → BatchNorm →
// activation, or without batchnorm (NoBN) l → activation, l's output then
// the pre-activation itself.
func (c Config) hidden(n *Network, suffix string, l *Linear) {
	if c.NoBN {
		n.add("hpreact"+suffix, l)
	} else {
		n.add("hprebn"+suffix, l)
		n.add("hpreact"+suffix, n.batchNorm(suffix, c.Hidden, c.bnGain()))
	}
	n.add("h"+suffix, n.activation(c.Activation))
}

// bnGain is where the hidden batchnorm gains start: 1.1 in lecture 4's
// one-block MLP, whose tests showed that a gain of exactly one can hide a
// wrong gradient, and 1 as in lectures 3 and 5 elsewhere.
func (c Config) bnGain() float64 {
	if c.Arch == ArchMLP && c.Layers == 1 && !c.OutputBN {
		return 1.1
	}
	return 1
}

// add appends l, its output called name, to the layers.
func (n *Network) add(name string, l Layer) {
	in := Shape{n.Block, n.Embed.Embd}
	if len(n.Nodes) > 0 {
		in = n.Out()
	}
	out, err := l.OutShape(in)
	if err != nil && n.err == nil {
		n.err = fmt.Errorf("layer %d (%s): %v", len(n.Nodes)+1, name, err)
	}
	n.Nodes = append(n.Nodes, Node{Layer: l, Name: n.name(name), In: in, Out: out})
}

// name claims name for one tensor or activation.
func (n *Network) name(name string) string {
	if n.names[name] && n.err == nil {
		n.err = fmt.Errorf("the name %q is used twice", name)
	}
	n.names[name] = true
	return name
}

// param adds a trained tensor to the table.
func (n *Network) param(name string, init Init, shape ...int) *Tensor {
	t := &Tensor{Name: n.name(name), Shape: shape, Init: init, Off: n.nParams}
	n.Params = append(n.Params, t)
	n.nParams += t.Len()
	return t
}

// stat adds a calibrated tensor to the table.
func (n *Network) stat(name string, init Init, shape ...int) *Tensor {
	t := &Tensor{Name: n.name(name), Shape: shape, Init: init, Off: n.nStats}
	n.Stats = append(n.Stats, t)
	n.nStats += t.Len()
	return t
}

// linear is a Linear layer whose weights start as wInit and whose bias
// (none when b is "") starts small and non-zero, as lecture 4's.
func (n *Network) linear(w, b string, in, out int, wInit Init) *Linear {
	return n.linearBias(w, b, in, out, wInit, Init{Std: 0.1})
}

// linearBias is a Linear layer whose bias, unless b is "", starts as bInit.
func (n *Network) linearBias(w, b string, in, out int, wInit, bInit Init) *Linear {
	l := &Linear{In: in, Out: out, W: n.param(w, wInit, in, out)}
	if b != "" {
		l.B = n.param(b, bInit, out)
	}
	return l
}

// batchNorm is a BatchNorm layer of width h whose tensors are named
// bngain, bnbias, bnmean and bnvar followed by suffix, its gain starting at
// gain and its bias at 0.
func (n *Network) batchNorm(suffix string, h int, gain float64) *BatchNorm {
	return &BatchNorm{
		Width: h,
		Gain:  n.param("bngain"+suffix, Init{Fill: gain}, h),
		Bias:  n.param("bnbias"+suffix, Init{}, h),
		Mean:  n.stat("bnmean"+suffix, Init{}, h),
		Var:   n.stat("bnvar"+suffix, Init{Fill: 1}, h),
	}
}

// activation is the layer of the activation function called name.
func (n *Network) activation(name string) Layer {
	switch name {
	case ActReLU:
		return &ReLU{}
	case ActGELU:
		return &GELU{}
	}
	return &Tanh{}
}

// NumParams is the number of trained values (12,297 for the lecture's defaults).
func (n *Network) NumParams() int { return n.nParams }

// MaxWidth is the most values one example has in any activation: what sizes
// a batch's buffers.
func (n *Network) MaxWidth() int {
	w := n.Block * n.Embed.Embd
	for _, nd := range n.Nodes {
		w = max(w, nd.Out.Size())
		if k, ok := nd.Layer.(interface{ CacheWidth() int }); ok {
			w = max(w, k.CacheWidth())
		}
	}
	return w
}

// The fewest examples a training batch of a network with batchnorm can
// have, as it needs two rows for a variance (a WaveNet's last level has one
// row per example), and the most any batch can have: every activation of a
// batch, like every eval chunk's, must fit in memory many times over.
const (
	minBatchNormBatch = 2
	MaxBatch          = 1 << 16
	MaxActivations    = 1 << 26 // values in one activation of one batch
)

// CheckBatch reports a training batch size this network cannot take.
func (n *Network) CheckBatch(batch int) error {
	switch {
	case batch < 1 || batch > MaxBatch:
		return fmt.Errorf("batch size must be between 1 and %d, got %d", MaxBatch, batch)
	case batch < minBatchNormBatch && n.hasBatchNorm():
		return fmt.Errorf("batch size must be at least %d with batchnorm, which needs two rows for a variance (--batchnorm=false trains without it), got %d", minBatchNormBatch, batch)
	case batch*n.RowsPer*n.MaxWidth() > MaxActivations:
		return fmt.Errorf("batch size %d × %d values in the widest activation is more than %d; use a smaller batch", batch, n.RowsPer*n.MaxWidth(), MaxActivations)
	}
	return nil
}

func (n *Network) hasBatchNorm() bool {
	for _, nd := range n.Nodes {
		if _, ok := nd.Layer.(*BatchNorm); ok {
			return true
		}
	}
	return false
}

// Out is the shape of the last layer's output, the logits: the embedding's
// of a network without layers (a bigram).
func (n *Network) Out() Shape {
	if len(n.Nodes) == 0 {
		return Shape{n.Block, n.Embed.Embd}
	}
	return n.Nodes[len(n.Nodes)-1].Out
}

// ActName is the lecture's name of activation i: the embedding's output
// for 0, node i−1's after that (as Activations.Acts).
func (n *Network) ActName(i int) string {
	if i == 0 {
		return n.Embed.Name
	}
	return n.Nodes[i-1].Name
}

// IsView reports whether l computes nothing (see View).
func IsView(l Layer) bool {
	_, ok := l.(View)
	return ok
}
