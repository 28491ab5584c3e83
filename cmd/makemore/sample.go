package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/plural"
	"github.com/makemore/makemore/internal/sample"
	"github.com/makemore/makemore/internal/workdir"
	"github.com/spf13/cobra"
)

type sampleOptions struct {
	input, workDir, prefix string
	n, topK                int
	seed                   uint64
	seedSet                bool // --seed was given; otherwise each run draws its own
	temperature            float64
	unique, mark, asJSON   bool
	best                   bool

	in          io.Reader // the words file of --input-file -
	out, errOut io.Writer
	log         logger
}

func newSampleCmd() *cobra.Command {
	var o sampleOptions
	cmd := &cobra.Command{
		Use:   "sample",
		Short: "Make up new words with a trained model, one per line on stdout",
		Long: `Sample draws words one character at a time from the model's predicted
distribution, until it draws the end of the word. A word that would grow longer
than the longest training word is cut there and marked truncated.

Each run draws a fresh seed and prints it on stderr; --seed repeats a run.

Each word is also sorted into makemore.py's groups: in the training split, in val
or test, or new. That needs the words file the model was trained on (-i, default
the bundled names.txt); a summary goes to stderr, and --mark adds the group to
each line. --json prints one object per line: {"name", "logprob", "truncated",
"split"}, where logprob is the natural log of the probability the model itself
(temperature 1, all characters) gives the name and its end, the same number
score prints; for a truncated name it covers the characters only.`,
		Example: `  makemore sample -n 5
  makemore sample --prefix ma --unique -n 10     # ten different names starting with "ma"
  makemore sample --temperature 0.5 --top-k 5    # safer, more typical names
  makemore sample -o runs/words -i words.txt --mark --seed 7
  makemore sample -i - --mark < words.txt        # the words file from stdin
  makemore sample --json -n 3`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.seedSet = cmd.Flags().Changed("seed")
			o.in, o.out, o.errOut, o.log = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), newLogger(cmd)
			return runSample(cmd.Context(), &o)
		},
	}
	addWorkDirFlag(cmd, &o.workDir, "directory holding model.safetensors")
	addBestFlag(cmd, &o.best)
	addInputFlag(cmd, &o.input, "the words file the model was trained on, to mark samples")
	fl := cmd.Flags()
	fl.IntVarP(&o.n, "num-samples", "n", 20, "how many words to make up")
	fl.Uint64Var(&o.seed, "seed", 0, "seed of the sampling generator (default: a fresh one, printed on stderr)")
	fl.Float64VarP(&o.temperature, "temperature", "t", 1, "divide the logits by this: below 1 safer, above 1 wilder")
	fl.IntVarP(&o.topK, "top-k", "k", 0, "draw only from the k likeliest characters at each step (0: all)")
	fl.StringVarP(&o.prefix, "prefix", "p", "", "start every word with these characters")
	fl.BoolVarP(&o.unique, "unique", "u", false, "print no word twice")
	fl.BoolVar(&o.mark, "mark", false, "add a tab and the word's group (train, val, test or new) to each line")
	fl.BoolVar(&o.asJSON, "json", false, "print one JSON object per word instead of text")
	return cmd
}

// maxStaleDraws bounds --unique: this many draws in a row without a new word
// means the model has little left to say.
const maxStaleDraws = 1000

func runSample(ctx context.Context, o *sampleOptions) error {
	if o.n < 0 {
		return usagef("--num-samples must be 0 or more, got %d", o.n)
	}
	// The flags are checked before the work dir is read: a bad value is a
	// usage error whatever the work dir holds.
	opts := sample.Options{Temperature: o.temperature, TopK: o.topK}
	if err := opts.Validate(0); err != nil {
		return usagef("--%v", err)
	}
	ck, err := loadCheckpoint(o.workDir, o.best)
	if err != nil {
		return err
	}
	vocab := ck.Vocab
	// Each token of the prefix is the vocabulary's, as Validate wants.
	for _, r := range newSpeller(vocab, o.log).spell(o.prefix) {
		t, ok := vocab.Token(r)
		if !ok {
			return usagef("--prefix: %q is not in the model's vocabulary %q", r, vocab.String())
		}
		opts.Prefix = append(opts.Prefix, t)
	}
	defer o.log.display.Close() // an error leaves a phase unfinished
	groups, err := wordGroups(o.input, o.in, ck, o.log)
	if err != nil {
		return err
	}
	if groups.Index == nil && o.mark {
		return usagef("--mark needs the words file the model was trained on: pass it with -i")
	}
	s, pool := newSampler(ck)
	defer pool.Close()
	if m := s.MaxChars(); m > 0 && len(opts.Prefix) >= m {
		return usagef("--prefix has %s; this model's words have at most %d (its block size, less one for the end), so nothing could follow", plural.Count(len(opts.Prefix), "character"), m)
	}
	if !o.seedSet {
		o.seed = rand.Uint64()
		o.log.printf("makemore: seed %d (repeat with --seed %d)", o.seed, o.seed)
	}
	r := data.NewRand(o.seed, data.StreamSample)

	// Ctrl-C or SIGTERM stops after the name being drawn, so that the output
	// ends with whole lines and the progress bar is put away; a second signal
	// ends the process at once.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)

	out := newLineWriter(o.out)
	enc := json.NewEncoder(out)
	seen := map[string]bool{}
	counts := map[string]int{}
	report := o.log.outputPhase(o.out, "sampling")
	for printed, stale := 0, 0; printed < o.n; {
		if ctx.Err() != nil {
			if err := out.Flush(); err != nil {
				return err
			}
			o.log.display.Close()
			// Printed even with --quiet: like an error, it explains the exit code.
			fmt.Fprintf(o.errOut, "makemore: interrupted after %s of %d\n", plural.Count(printed, "sample"), o.n)
			return errInterrupted
		}
		if o.unique && stale == maxStaleDraws {
			out.Flush()
			return fmt.Errorf("--unique: no new word in the last %d draws, after %s; ask for fewer with -n, or widen the choice with --temperature or --top-k", stale, plural.Count(printed, "different one"))
		}
		w := s.Draw(r, opts)
		name := vocab.Decode(w.Tokens)
		if o.unique && seen[name] {
			stale++
			continue
		}
		seen[name], stale = true, 0
		printed++
		group := groups.of(name)
		counts[group]++
		switch {
		case o.asJSON:
			err = enc.Encode(struct {
				Name      string  `json:"name"`
				LogProb   float64 `json:"logprob"`
				Truncated bool    `json:"truncated"`
				Split     string  `json:"split,omitempty"`
			}{name, w.LogProb, w.Truncated, group})
		case o.mark:
			_, err = fmt.Fprintf(out, "%s\t%s\n", name, group)
		default:
			_, err = fmt.Fprintln(out, name)
		}
		if err == nil {
			err = out.endLine()
		}
		if err != nil {
			return err
		}
		report.Report(int64(printed), int64(o.n))
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if groups.Index != nil && o.n > 0 {
		o.log.printf("makemore: %s: %d in train, %d in val, %d in test, %d new",
			plural.Count(o.n, "sample"), counts["train"], counts["val"], counts["test"], counts["new"])
	} else if o.n > 0 {
		o.log.printf("makemore: pass the words file the model was trained on with -i to see which samples are new")
	}
	return nil
}

// groups says which split a word belongs to, first match of train, val, test.
type groups struct{ *data.Index }

// of is the group of w: "train", "val", "test" or "new"; "" when unknown.
func (g groups) of(w string) string {
	if g.Index == nil {
		return ""
	}
	if p := g.Part(w); p != "" {
		return p
	}
	return "new"
}

// wordGroups rebuilds the split the model was trained on. It returns no index
// without an error when no words file was given and the bundled one is not
// the model's: the words can still be sampled, just not grouped.
func wordGroups(input string, stdin io.Reader, ck *workdir.Checkpoint, log logger) (groups, error) {
	words, err := readWords(input, stdin, log.display.Phase)
	if err != nil {
		return groups{}, err
	}
	if input == "" && !words.Matches(ck.Meta.WordsSHA256) {
		return groups{}, nil
	}
	if err := ck.CheckWords(words); err != nil {
		return groups{}, err
	}
	sp, err := data.SplitWords(words, ck.Meta.Seed)
	if err != nil {
		return groups{}, err
	}
	return groups{data.NewIndex(sp, log.display.Phase("indexing the words"))}, nil
}
