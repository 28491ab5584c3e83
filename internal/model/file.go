package model

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/makemore/makemore/internal/checkpoint"
)

// Checkpoint format identity, stored in the safetensors metadata.
const (
	FormatName    = "makemore-mlp"
	FormatVersion = 1
)

// Meta is what a checkpoint records besides the tensors: enough to rebuild the
// vocabulary and the data split, and to say how the weights were made.
type Meta struct {
	Vocab       string // the characters of tokens 1..Vocab-1, in order
	MaxWordLen  int    // longest training word, in characters: the sampling length cap
	WordsSHA256 string // of the words file trained on
	Seed        uint64
	Step        int // SGD steps taken
	MaxSteps    int // steps the run was asked for
	BatchSize   int
	LR          float64 // learning rate until LRDecayStep
	LRDecayStep int
	LRDecay     float64 // factor from LRDecayStep on
	RNGState    string  // hex state of the minibatch generator after Step steps, for --resume
}

// Save writes m and meta to path as a safetensors file, atomically.
func (m *Model) Save(path string, meta Meta) error {
	kv := map[string]string{
		"format":         FormatName,
		"format_version": strconv.Itoa(FormatVersion),
		"vocab_size":     strconv.Itoa(m.Vocab),
		"block_size":     strconv.Itoa(m.Block),
		"n_embd":         strconv.Itoa(m.Embd),
		"n_hidden":       strconv.Itoa(m.Hidden),
		"vocab":          meta.Vocab,
		"max_word_len":   strconv.Itoa(meta.MaxWordLen),
		"words_sha256":   meta.WordsSHA256,
		"seed":           strconv.FormatUint(meta.Seed, 10),
		"step":           strconv.Itoa(meta.Step),
		"max_steps":      strconv.Itoa(meta.MaxSteps),
		"batch_size":     strconv.Itoa(meta.BatchSize),
		"learning_rate":  strconv.FormatFloat(meta.LR, 'g', -1, 64),
		"lr_decay_step":  strconv.Itoa(meta.LRDecayStep),
		"lr_decay":       strconv.FormatFloat(meta.LRDecay, 'g', -1, 64),
		"rng_state":      meta.RNGState,
	}
	return checkpoint.Write(path, m.Tensors(), kv)
}

// Load reads a checkpoint written by Save.
func Load(path string) (*Model, Meta, error) {
	ts, kv, err := checkpoint.Read(path)
	if err != nil {
		return nil, Meta{}, err
	}
	if kv["format"] != FormatName {
		return nil, Meta{}, fmt.Errorf("%s: not a makemore checkpoint (format %q); pass a file written by makemore train", path, kv["format"])
	}
	version, err := strconv.Atoi(kv["format_version"])
	if err != nil || version < 1 {
		return nil, Meta{}, fmt.Errorf("%s: bad format_version %q; the file is damaged", path, kv["format_version"])
	}
	if version > FormatVersion {
		return nil, Meta{}, fmt.Errorf("%s: checkpoint format version %d is newer than this makemore reads (%d); upgrade makemore", path, version, FormatVersion)
	}
	var bad []string
	num := func(key string) int {
		v, err := strconv.Atoi(kv[key])
		if err != nil || v < 0 {
			bad = append(bad, key)
		}
		return v
	}
	cfg := Config{Vocab: num("vocab_size"), Block: num("block_size"), Embd: num("n_embd"), Hidden: num("n_hidden")}
	float := func(key string) float64 {
		v, err := strconv.ParseFloat(kv[key], 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			bad = append(bad, key)
		}
		return v
	}
	meta := Meta{
		Vocab:       kv["vocab"],
		MaxWordLen:  num("max_word_len"),
		WordsSHA256: kv["words_sha256"],
		Step:        num("step"),
		MaxSteps:    num("max_steps"),
		BatchSize:   num("batch_size"),
		LR:          float("learning_rate"),
		LRDecayStep: num("lr_decay_step"),
		LRDecay:     float("lr_decay"),
		RNGState:    kv["rng_state"],
	}
	seed, err := strconv.ParseUint(kv["seed"], 10, 64)
	if err != nil {
		bad = append(bad, "seed")
	}
	meta.Seed = seed
	if len(bad) > 0 {
		return nil, Meta{}, fmt.Errorf("%s: bad or missing metadata %v; the file is damaged", path, bad)
	}
	if err := cfg.Validate(); err != nil {
		return nil, Meta{}, fmt.Errorf("%s: %v; the file is damaged", path, err)
	}
	if n := len([]rune(meta.Vocab)) + 1; n != cfg.Vocab {
		return nil, Meta{}, fmt.Errorf("%s: vocabulary has %d tokens but vocab_size says %d; the file is damaged", path, n, cfg.Vocab)
	}
	m := New(cfg)
	want := m.Tensors()
	if len(ts) != len(want) {
		return nil, Meta{}, fmt.Errorf("%s: has %d tensors, want %d; the file is damaged", path, len(ts), len(want))
	}
	for _, w := range want {
		i := slices.IndexFunc(ts, func(t checkpoint.Tensor) bool { return t.Name == w.Name })
		if i < 0 || !slices.Equal(ts[i].Shape, w.Shape) {
			return nil, Meta{}, fmt.Errorf("%s: tensor %s missing or not of shape %v; the file is damaged", path, w.Name, w.Shape)
		}
		copy(w.Data, ts[i].Data)
	}
	if !m.Finite() {
		return nil, Meta{}, fmt.Errorf("%s: holds weights that are not finite numbers (NaN or Inf), from a run that diverged; train again with a lower --learning-rate", path)
	}
	return m, meta, nil
}
