package train

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/makemore/makemore/internal/checkpoint"
)

// State is what a checkpoint records of the run that made it, besides the
// model: with the weights, all that --resume needs to continue exactly.
type State struct {
	Step      int // SGD steps taken
	MaxSteps  int // steps the run was asked for
	BatchSize int
	Schedule  Schedule
	Optimizer Optimizer
	RNG       []byte // the minibatch generator's state after Step steps
	// KeepBest says the run keeps the model of its best val probe, and
	// BestVal and BestStep are that probe and its step (0 before any).
	KeepBest bool
	BestVal  float64
	BestStep int
}

// Metadata is s as checkpoint metadata, for model.Save.
// An SGD run with the step schedule writes the keys it always has, so that
// its checkpoints keep their bytes; AdamW and the cosine add theirs.
func (s State) Metadata() map[string]string {
	kv := map[string]string{
		"step":          strconv.Itoa(s.Step),
		"max_steps":     strconv.Itoa(s.MaxSteps),
		"batch_size":    strconv.Itoa(s.BatchSize),
		"learning_rate": strconv.FormatFloat(s.Schedule.LR, 'g', -1, 64),
		"lr_decay_step": strconv.Itoa(s.Schedule.DecayStep),
		"lr_decay":      strconv.FormatFloat(s.Schedule.DecayFactor, 'g', -1, 64),
		"rng_state":     hex.EncodeToString(s.RNG),
	}
	if s.Optimizer.IsAdamW() || s.Schedule.CosineSteps > 0 {
		kv["format_version"] = "4" // an older makemore would resume this as SGD on the step schedule
	}
	if s.Optimizer.IsAdamW() {
		kv["optimizer"] = AdamW
		kv["weight_decay"] = strconv.FormatFloat(s.Optimizer.WeightDecay, 'g', -1, 64)
	}
	if s.Schedule.CosineSteps > 0 {
		kv["lr_cosine_steps"] = strconv.Itoa(s.Schedule.CosineSteps)
	}
	if s.KeepBest {
		kv["keep_best"] = "true"
	}
	if s.BestStep > 0 {
		kv["best_val_probe"] = strconv.FormatFloat(s.BestVal, 'g', -1, 64)
		kv["best_step"] = strconv.Itoa(s.BestStep)
	}
	return kv
}

var errNoRNG = errors.New("no resumable generator state; the file is damaged or was not written by makemore train")

// ParseState reads the state Metadata wrote from a checkpoint's metadata.
func ParseState(kv map[string]string) (State, error) {
	r := checkpoint.NewMetaReader(kv)
	s := State{
		Step:      r.Int("step"),
		MaxSteps:  r.Int("max_steps"),
		BatchSize: r.Int("batch_size"),
		Schedule:  Schedule{LR: r.Positive("learning_rate"), DecayStep: r.Int("lr_decay_step"), DecayFactor: r.Positive("lr_decay")},
	}
	if _, ok := kv["optimizer"]; ok {
		s.Optimizer = Optimizer{Name: r.String("optimizer"), WeightDecay: r.NonNegative("weight_decay")}
		if s.Optimizer.Validate() != nil {
			r.Bad = append(r.Bad, "optimizer")
		}
	}
	if _, ok := kv["lr_cosine_steps"]; ok {
		s.Schedule.CosineSteps = r.Int("lr_cosine_steps")
	}
	s.KeepBest = kv["keep_best"] == "true"
	if _, ok := kv["best_val_probe"]; ok {
		s.BestVal, s.BestStep = r.Positive("best_val_probe"), r.Int("best_step")
	}
	if len(r.Bad) > 0 {
		return State{}, fmt.Errorf("bad or missing metadata %v; the file is damaged", r.Bad)
	}
	rng, err := hex.DecodeString(kv["rng_state"])
	if err != nil || (&rand.PCG{}).UnmarshalBinary(rng) != nil {
		return State{}, errNoRNG
	}
	s.RNG = rng
	return s, nil
}

// source is the minibatch generator at s.RNG; ParseState has checked that
// the state unmarshals.
func (s State) source() *rand.PCG {
	src := &rand.PCG{}
	src.UnmarshalBinary(s.RNG)
	return src
}
