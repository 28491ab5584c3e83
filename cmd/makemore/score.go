package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/sample"
	"github.com/makemore/makemore/internal/workdir"
	"github.com/spf13/cobra"
)

// errUnscored is returned when some names could not be scored; each was
// reported on stderr already.
var errUnscored = errors.New("some names could not be scored (see above)")

func newScoreCmd() *cobra.Command {
	var (
		workDir string
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "score [NAME...]",
		Short: "Print how name-like each name is: its mean negative log-likelihood per character",
		Long: `Score prints, for each name given as an argument (or each line of stdin when
there are none), the model's mean negative log-likelihood per character: the
natural-log loss of predicting each character and then the end of the name, divided
by the number of predictions (length + 1). Lower is more name-like; the trained
model's val loss is a typical value. Names with characters outside the model's
vocabulary are reported on stderr and make the exit code 1; the others are still
scored. --json prints one object per line: {"name", "nll", "predictions", "logprob"}.`,
		Example: `  makemore score emma xqzvk
  sort -u my-names.txt | makemore score | sort -t$'\t' -k2 -n
  makemore score --json olivia`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ck, err := workdir.Load(workDir)
			if err != nil {
				return err
			}
			s, pool := newSampler(ck)
			defer pool.Close()
			names := args
			if len(names) == 0 {
				if names, err = readLines(cmd.InOrStdin()); err != nil {
					return fmt.Errorf("stdin: %v", err)
				}
			}
			return scoreNames(cmd.OutOrStdout(), cmd.ErrOrStderr(), s, ck.Vocab, names, asJSON)
		},
	}
	addWorkDirFlag(cmd, &workDir, "directory holding model.safetensors")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per name instead of text")
	return cmd
}

// scoreNames prints the score of each name to stdout, and to stderr each name
// the vocabulary cannot spell.
func scoreNames(stdout, stderr io.Writer, s *sample.Sampler, vocab *data.Vocab, names []string, asJSON bool) error {
	out := bufio.NewWriter(stdout)
	enc := json.NewEncoder(out)
	failed := false
	for _, name := range names {
		tokens, bad := tokenize(vocab, name)
		if bad != "" {
			out.Flush() // keep stdout and stderr in order on a terminal
			fmt.Fprintf(stderr, "makemore: score %q: %s not in the model's vocabulary %q\n", name, bad, vocab.String())
			failed = true
			continue
		}
		lp, n := s.LogProb(tokens)
		var err error
		if asJSON {
			err = enc.Encode(struct {
				Name        string  `json:"name"`
				NLL         float64 `json:"nll"`
				Predictions int     `json:"predictions"`
				LogProb     float64 `json:"logprob"`
			}{name, -lp / float64(n), n, lp})
		} else {
			_, err = fmt.Fprintf(out, "%s\t%.4f\n", name, -lp/float64(n))
		}
		if err != nil {
			return err
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if failed {
		return errUnscored
	}
	return nil
}

// tokenize maps name to tokens, or names the characters the vocabulary lacks.
func tokenize(vocab *data.Vocab, name string) ([]int, string) {
	var tokens []int
	var missing []string
	for _, r := range name {
		t, ok := vocab.Token(r)
		if !ok {
			missing = append(missing, fmt.Sprintf("%q", r))
			continue
		}
		tokens = append(tokens, t)
	}
	switch len(missing) {
	case 0:
		return tokens, ""
	case 1:
		return nil, missing[0] + " is"
	default:
		return nil, strings.Join(missing, ", ") + " are"
	}
}

// readLines reads names one per line, trimmed, empty lines skipped.
func readLines(r io.Reader) ([]string, error) {
	var names []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, data.MaxLineBytes)
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			names = append(names, w)
		}
	}
	return names, sc.Err()
}
