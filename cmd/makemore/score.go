package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/plural"
	prog "github.com/makemore/makemore/internal/progress"
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

The argument - stands for the lines of stdin, one name per line, and so does
no argument at all; they are scored as they are read. On a terminal, score says
on stderr that it reads them. A line's name ends at a tab, so the lines sample
--mark and score print read as their names, and an empty line is the empty
name, which sample prints when the model ends a name at once. Names are
compared in Unicode NFC, and in lowercase when the model knows no capital
letters. Names with characters
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
					return usagef("name %d is empty (%q), as an unset shell variable gives; to score the empty name, give it as an empty line of stdin", i+1, a)
				}
			}
			ck, err := loadCheckpoint(workDir, best)
			if err != nil {
				return err
			}
			s, pool := newSampler(ck)
			defer pool.Close()
			out := newLineWriter(cmd.OutOrStdout())
			log := newLogger(cmd)
			sc := &scorer{out: out, enc: json.NewEncoder(out), stderr: cmd.ErrOrStderr(), log: log, s: s, vocab: ck.Vocab, sp: newSpeller(ck.Vocab, log), asJSON: asJSON}
			return sc.scoreArgs(args, cmd.InOrStdin())
		},
	}
	addWorkDirFlag(cmd, &workDir, "directory holding model.safetensors")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per name instead of text")
	addBestFlag(cmd, &best)
	return cmd
}

// scorer prints the score of each name to out, and to stderr each name the
// vocabulary cannot spell. Names are printed as given, and scored as sp
// spells them.
type scorer struct {
	out    *lineWriter
	enc    *json.Encoder // on out
	stderr io.Writer
	log    logger
	s      *sample.Sampler
	vocab  *data.Vocab
	sp     *speller
	asJSON bool
	failed bool // a name could not be scored
}

// scoreArgs scores the names of args in order, "-" (and no argument at all)
// standing for the lines of stdin, each scored as it is read: a stream of
// any length takes no more memory than a line.
func (sc *scorer) scoreArgs(args []string, stdin io.Reader) error {
	if len(args) == 0 {
		args = []string{stdinArg}
	}
	for _, a := range args {
		if a != stdinArg {
			if err := sc.score(a); err != nil {
				return err
			}
			continue
		}
		// On a terminal score would otherwise wait without a word for what
		// the user may not know it reads.
		if f, ok := stdin.(*os.File); ok && prog.IsTerminal(f) {
			sc.out.Flush()
			sc.log.printf("makemore: reading names from stdin, one per line; %s to end", eofKey())
		}
		if err := eachLine(flushingReader{stdin, sc.out.Writer}, sc.scoreLine); err != nil {
			// out keeps its first error: a failed write, whether in a
			// score or in the flush before a read, is not stdin's.
			if ferr := sc.out.Flush(); ferr != nil {
				return ferr
			}
			return fmt.Errorf("stdin: %v", err)
		}
	}
	if err := sc.out.Flush(); err != nil {
		return err
	}
	if sc.failed {
		return errUnscored
	}
	return nil
}

// scoreLine scores the name of a line of stdin: the line up to a tab, as
// sample --mark and score print one, trimmed. An empty line is the empty
// name, which sample prints when the model draws the end first, so that
// every line sample prints has its score.
func (sc *scorer) scoreLine(line string) error {
	name, _, _ := strings.Cut(line, "\t")
	return sc.score(strings.TrimSpace(name))
}

// score prints the score of name, or says on stderr why it has none; the
// error is out's.
func (sc *scorer) score(name string) error {
	tokens, bad := tokenize(sc.vocab, sc.sp.spell(name))
	if bad != "" {
		sc.out.Flush() // keep stdout and stderr in order on a terminal
		fmt.Fprintf(sc.stderr, "makemore: score %q: %s not in the model's vocabulary %q\n", name, bad, sc.vocab.String())
		sc.failed = true
		return nil
	}
	if m := sc.s.MaxChars(); m > 0 && len(tokens) > m {
		sc.out.Flush()
		fmt.Fprintf(sc.stderr, "makemore: score %q: %s, more than the %d this model reads (its block size, less one for the end)\n", name, plural.Count(len(tokens), "character"), m)
		sc.failed = true
		return nil
	}
	lp, n := sc.s.LogProb(tokens)
	var err error
	if sc.asJSON {
		err = sc.enc.Encode(struct {
			Name        string  `json:"name"`
			NLL         float64 `json:"nll"`
			Predictions int     `json:"predictions"`
			LogProb     float64 `json:"logprob"`
		}{name, -lp / float64(n), n, lp})
	} else {
		_, err = fmt.Fprintf(sc.out, "%s\t%.4f\n", name, -lp/float64(n))
	}
	if err != nil {
		return err
	}
	return sc.out.endLine()
}

// eofKey is what ends a terminal's input.
func eofKey() string {
	if runtime.GOOS == "windows" {
		return "Ctrl-Z then Enter"
	}
	return "Ctrl-D"
}

// flushingReader flushes w before each read of r: the scores of the lines
// read so far go out before score waits for more, however recent its last
// flush.
type flushingReader struct {
	r io.Reader
	w *bufio.Writer
}

func (f flushingReader) Read(p []byte) (int, error) {
	if err := f.w.Flush(); err != nil {
		return 0, err
	}
	return f.r.Read(p)
}

// tokenize maps name to tokens, or names the characters the vocabulary
// lacks, each once.
func tokenize(vocab *data.Vocab, name string) ([]int, string) {
	var tokens []int
	var missing []string
	for _, r := range name {
		t, ok := vocab.Token(r)
		if !ok {
			if q := fmt.Sprintf("%q", r); !slices.Contains(missing, q) {
				missing = append(missing, q)
			}
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

// eachLine calls each with the lines of r as they are read, without their
// ends, and stops at its first error.
func eachLine(r io.Reader, each func(string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, data.MaxLineBytes)
	for sc.Scan() {
		if err := each(sc.Text()); err != nil {
			return err
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return fmt.Errorf("a line is longer than %d bytes, more than a name; give one name per line", data.MaxLineBytes)
	}
	return sc.Err()
}
