package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/makemore/makemore/internal/checkpoint"
	"github.com/makemore/makemore/internal/plural"
)

// Checkpoint format identity, stored in the safetensors metadata. Version 2
// records the architecture (model, activation, n_layer, bias, output_bn);
// a version-1 file is lecture 4's MLP, which is what those keys default to.
// Version 3 adds batchnorm = false, for a model without any (trained so,
// or see FoldBatchNorm); a model with batchnorm is still written as version
// 2, so that the files of training stay as they were and older makemore
// reads them, and refuses one without batchnorm as newer instead of as
// damaged. Version 4 is the Transformer (model = transformer), with n_head
// and dropout, and any model trained with AdamW or a cosine schedule, whose
// trainer state an older makemore would misread; other MLPs are still
// written as before. Version 5 is makemore.py's other families (model = rnn,
// gru, bow, bigram) and our lstm, which a version-4 reader would call an
// unknown model rather than a newer file. Tensors named with the prefix
// ExtraPrefix are not the model's (an optimizer's state) and are passed
// through.
const (
	FormatName    = "makemore-mlp"
	FormatVersion = 5
	ExtraPrefix   = "optimizer."
)

// Meta is what a checkpoint records of the weights besides the tensors: enough
// to rebuild the vocabulary and the data split the model was trained on.
type Meta struct {
	Vocab       string // the characters of tokens 1..Vocab-1, in order
	MaxWordLen  int    // longest training word, in characters: the sampling length cap
	WordsSHA256 string // of the words file trained on
	Seed        uint64 // of the split, the initial weights and the minibatches
}

// Save writes m and meta to path as a safetensors file, atomically. extra is
// merged into the metadata (a trainer's state, say); its keys must not be the
// model's own, except format_version, which may raise the file's version for
// state an older makemore would misread. more are tensors saved beside the
// model's, each named with ExtraPrefix.
func (m *Model) Save(path string, meta Meta, extra map[string]string, more ...checkpoint.Tensor) error {
	version := 2
	kv := map[string]string{
		"format":       FormatName,
		"vocab_size":   strconv.Itoa(m.Vocab),
		"block_size":   strconv.Itoa(m.Block),
		"n_embd":       strconv.Itoa(m.Embd),
		"n_hidden":     strconv.Itoa(m.Hidden),
		"model":        m.Arch,
		"activation":   m.Activation,
		"n_layer":      strconv.Itoa(m.Layers),
		"bias":         strconv.FormatBool(!m.NoBias),
		"output_bn":    strconv.FormatBool(m.OutputBN),
		"vocab":        meta.Vocab,
		"max_word_len": strconv.Itoa(meta.MaxWordLen),
		"words_sha256": meta.WordsSHA256,
		"seed":         strconv.FormatUint(meta.Seed, 10),
	}
	if m.NoBN {
		version, kv["batchnorm"] = 3, "false"
	}
	switch {
	case m.Arch == ArchTransformer:
		// An MLP's keys that mean nothing here stay, as Canonical spells
		// them, so that every version reads the same way.
		version, kv["n_head"] = 4, strconv.Itoa(m.Heads)
		kv["dropout"] = strconv.FormatFloat(m.Dropout, 'g', -1, 64)
	case m.Sequence():
		version = 5
	}
	for k, v := range extra {
		if k == "format_version" {
			// The caller's state needs a newer reader than the model does:
			// the higher version wins.
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > FormatVersion {
				return fmt.Errorf("%s: format_version %q is not a version this makemore writes", path, v)
			}
			version = max(version, n)
			continue
		}
		if _, ok := kv[k]; ok {
			return fmt.Errorf("%s: metadata key %q is the model's own and cannot be set by the caller", path, k)
		}
		kv[k] = v
	}
	kv["format_version"] = strconv.Itoa(version)
	for _, t := range more {
		if !strings.HasPrefix(t.Name, ExtraPrefix) {
			return fmt.Errorf("%s: tensor %q beside the model's must be named %s…", path, t.Name, ExtraPrefix)
		}
	}
	return checkpoint.Write(path, append(m.Tensors(), more...), kv)
}

// Load reads a checkpoint written by Save. It also returns all of the file's
// metadata, for the keys Save was given as extra, and the tensors saved
// beside the model's.
func Load(path string) (*Model, Meta, map[string]string, []checkpoint.Tensor, error) {
	ts, kv, err := checkpoint.Read(path)
	if err != nil {
		return nil, Meta{}, nil, nil, err
	}
	if kv["format"] != FormatName {
		return nil, Meta{}, nil, nil, fmt.Errorf("%s: not a makemore checkpoint (format %q); pass a file written by makemore train", path, kv["format"])
	}
	version, err := strconv.Atoi(kv["format_version"])
	if err != nil || version < 1 {
		return nil, Meta{}, nil, nil, fmt.Errorf("%s: bad format_version %q; the file is damaged", path, kv["format_version"])
	}
	if version > FormatVersion {
		return nil, Meta{}, nil, nil, fmt.Errorf("%s: checkpoint format version %d is newer than this makemore reads (%d); upgrade makemore", path, version, FormatVersion)
	}
	r := checkpoint.NewMetaReader(kv)
	cfg := Config{Vocab: r.Int("vocab_size"), Block: r.Int("block_size"), Embd: r.Int("n_embd"), Hidden: r.Int("n_hidden")}
	if version >= 2 {
		cfg.Arch, cfg.Activation = r.String("model"), r.String("activation")
		cfg.Layers = r.Int("n_layer")
		cfg.NoBias, cfg.OutputBN = !r.Bool("bias"), r.Bool("output_bn")
	}
	if version >= 3 {
		cfg.NoBN = !r.Bool("batchnorm")
	}
	if version >= 4 && cfg.Arch == ArchTransformer {
		cfg.Heads = r.Int("n_head")
		cfg.Dropout = r.NonNegative("dropout")
	}
	meta := Meta{
		Vocab:       kv["vocab"],
		MaxWordLen:  r.Int("max_word_len"),
		WordsSHA256: kv["words_sha256"],
		Seed:        r.Uint64("seed"),
	}
	if len(r.Bad) > 0 {
		return nil, Meta{}, nil, nil, fmt.Errorf("%s: bad or missing metadata %v; the file is damaged", path, r.Bad)
	}
	if err := cfg.Validate(); err != nil {
		return nil, Meta{}, nil, nil, fmt.Errorf("%s: %v; the file is damaged", path, err)
	}
	if err := cfg.FitsWords(meta.MaxWordLen); err != nil {
		return nil, Meta{}, nil, nil, fmt.Errorf("%s: %v; the file is damaged", path, err)
	}
	if n := len([]rune(meta.Vocab)) + 1; n != cfg.Vocab {
		return nil, Meta{}, nil, nil, fmt.Errorf("%s: vocabulary has %d tokens but vocab_size says %d; the file is damaged", path, n, cfg.Vocab)
	}
	m := New(cfg)
	want := m.Tensors()
	var more []checkpoint.Tensor
	ts = slices.DeleteFunc(ts, func(t checkpoint.Tensor) bool {
		if strings.HasPrefix(t.Name, ExtraPrefix) {
			more = append(more, t)
			return true
		}
		return false
	})
	if len(ts) != len(want) {
		return nil, Meta{}, nil, nil, fmt.Errorf("%s: has %s, want %d; the file is damaged", path, plural.Count(len(ts), "tensor"), len(want))
	}
	for _, w := range want {
		i := slices.IndexFunc(ts, func(t checkpoint.Tensor) bool { return t.Name == w.Name })
		if i < 0 || !slices.Equal(ts[i].Shape, w.Shape) {
			return nil, Meta{}, nil, nil, fmt.Errorf("%s: tensor %s missing or not of shape %v; the file is damaged", path, w.Name, w.Shape)
		}
		copy(w.Data, ts[i].Data)
	}
	if !m.Finite() {
		return nil, Meta{}, nil, nil, fmt.Errorf("%s: holds weights that are not finite numbers (NaN or Inf), from a run that diverged; train again with a lower --learning-rate", path)
	}
	return m, meta, kv, more, nil
}
