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
	"github.com/spf13/cobra"
)

// errUnscored is returned when some names could not be scored; each was
// reported on stderr already.
var errUnscored = errors.New("some names could not be scored (see above)")

func newScoreCmd() *cobra.Command {
	var (
		workDir      string
		asJSON, best bool
	)
	cmd := &cobra.Command{
		Use:   "score [NAME...]",
		Short: "Print how name-like each name is: its mean negative log-likelihood per character",
		Long: `Score prints, for each name given as an argument, the model's mean negative
log-likelihood per character: the
natural-log loss of predicting each character and then the end of the name, divided
by the number of predictions (length + 1). Lower is more name-like; the trained
model's val loss is a typical value.

The argument - stands for the lines of stdin, one name per line (blank lines
skipped), and so does no argument at all. Names are compared in Unicode NFC, and
in lowercase when the model knows no capital letters. Names with characters
outside the model's vocabulary are reported on stderr and make the exit code 1;
the others are still scored. --json prints one object per line: {"name", "nll",
"predictions", "logprob"}.`,
		Example: `  makemore score emma xqzvk
  sort -u my-names.txt | makemore score | sort -t$'\t' -k2 -n
  makemore score emma - < more-names.txt
  makemore score --json olivia`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for i, a := range args {
				if strings.TrimSpace(a) == "" {
					return usagef("name %d is empty (%q); give names of one character or more", i+1, a)
				}
			}
			ck, err := loadCheckpoint(workDir, best)
			if err != nil {
				return err
			}
			s, pool := newSampler(ck)
			defer pool.Close()
			names, err := namesOf(args, cmd.InOrStdin())
			if err != nil {
				return err
			}
			sp := newSpeller(ck.Vocab, newLogger(cmd))
			return scoreNames(cmd.OutOrStdout(), cmd.ErrOrStderr(), s, ck.Vocab, sp, names, asJSON)
		},
	}
	addWorkDirFlag(cmd, &workDir, "directory holding model.safetensors")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per name instead of text")
	addBestFlag(cmd, &best)
	return cmd
}

// scoreNames prints the score of each name to stdout, and to stderr each name
// the vocabulary cannot spell.
// Names are printed as given, and scored as sp spells them.
func scoreNames(stdout, stderr io.Writer, s *sample.Sampler, vocab *data.Vocab, sp *speller, names []string, asJSON bool) error {
	out := bufio.NewWriter(stdout)
	enc := json.NewEncoder(out)
	failed := false
	spelled := make([]string, len(names)) // first, so that a note on stderr comes before the scores
	for i, name := range names {
		spelled[i] = sp.spell(name)
	}
	for i, name := range names {
		tokens, bad := tokenize(vocab, spelled[i])
		if bad != "" {
			out.Flush() // keep stdout and stderr in order on a terminal
			fmt.Fprintf(stderr, "makemore: score %q: %s not in the model's vocabulary %q\n", name, bad, vocab.String())
			failed = true
			continue
		}
		if m := s.MaxChars(); m > 0 && len(tokens) > m {
			out.Flush()
			fmt.Fprintf(stderr, "makemore: score %q: %d characters, more than the %d this model reads (its block size, less one for the end)\n", name, len(tokens), m)
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

// namesOf lists the names to score: the arguments, with "-" (and no argument
// at all) standing for the lines of stdin.
func namesOf(args []string, stdin io.Reader) ([]string, error) {
	if len(args) == 0 {
		args = []string{stdinArg}
	}
	var names []string
	for _, a := range args {
		if a != stdinArg {
			names = append(names, a)
			continue
		}
		lines, err := readLines(stdin)
		if err != nil {
			return nil, fmt.Errorf("stdin: %v", err)
		}
		names = append(names, lines...)
	}
	return names, nil
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
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return nil, fmt.Errorf("a line is longer than %d bytes, more than a name; give one name per line", data.MaxLineBytes)
	}
	return names, sc.Err()
}
