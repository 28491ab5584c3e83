// Command makemore trains a character-level language model — the lectures'
// MLPs or makemore.py's Transformer — on a file of words and makes up more
// words like them. See README.md, and docs/commands.md for every command.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/spf13/cobra"
)

// Exit codes, documented in docs/commands.md (Exit codes).
const (
	exitError       = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// usageError marks a bad command line: exit code 2 instead of 1.
type usageError struct{ error }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args with the given streams and returns the
// exit code.
func run(args []string, stdout, stderr io.Writer) int {
	out := &errWriter{w: stdout}
	root := newRootCmd(out, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err != nil {
		err = commandError(root, err)
	}
	// A failed write is reported whatever the command made of it, as it may
	// have ignored it (cobra's help does): its output is incomplete. A closed
	// pipe never gets here: writing to it kills the process with SIGPIPE,
	// quietly, as for any Unix filter.
	if out.err != nil {
		cause := out.err
		var pe *fs.PathError
		if errors.As(cause, &pe) {
			cause = pe.Err // its path is /dev/stdout, whatever stdout is
		}
		err = fmt.Errorf("cannot write to stdout: %v; the output is incomplete", cause)
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, errInterrupted) {
		return exitInterrupted // train or sample has said where it stopped
	}
	fmt.Fprintf(stderr, "makemore: %v\n", err)
	var ue usageError
	switch {
	case errors.Is(err, errHelpTopic):
		return exitUsage // the message lists the topics
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return exitUsage
	default:
		return exitError
	}
}

// errWriter passes writes on to w and keeps the first error, for run to
// report.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// newRootCmd returns the command tree writing to stdout and stderr, set
// before the subcommands are made as cobra's completion keeps the writer it
// finds then.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "makemore",
		Short: "Train a character-level language model on a list of words and make more of them",
		Long: `makemore trains the MLP of Karpathy's "makemore part 4: becoming a backprop ninja"
(embedding → linear → batchnorm → tanh → linear → cross-entropy, every gradient written
by hand), its relatives of lectures 3 and 5 (--preset part3, part5), and makemore.py's
models — transformer, rnn, gru, bag of words, bigram — and an LSTM (--model NAME, or
--preset NAME for a measured run), on a file of words, one per line, and then makes up
new words like them. Without --input-file it uses the bundled
names.txt (32,257 US baby names of 2018).`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// A kernel set asked for by name and not had is an error, not a
		// silent fallback: the numbers differ between sets in the last bits.
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if err := kernels.EnvError(); err != nil {
				return fmt.Errorf("%v; unset it or name one of those", err)
			}
			return nil
		},
	}
	root.SetVersionTemplate("{{.Version}}\n") // the same line as makemore version
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().BoolP("quiet", "q", false, "print only results and errors: no progress or log lines on stderr")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(newTrainCmd(), newEvalCmd(), newSampleCmd(), newScoreCmd(), newGradcheckCmd(), newInspectCmd(), newPlotCmd(), newLRFindCmd(), newExportCmd(), newVersionCmd())
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			// Runnable, so that cobra checks its arguments: an unknown shell is then
			// a usage error instead of a help page and exit code 0.
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
			continue
		}
		if c.Args != nil {
			continue
		}
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("%s takes no arguments, got %q%s", cmd.Name(), args, optionalValueHint(cmd, args[0]))
			}
			return nil
		}
	}
	checkHelpTopics(root)
	return root
}

// defaultThreads uses the machine's cores, up to the 4 of a typical laptop:
// the model's products are too small to gain from more.
func defaultThreads() int { return min(runtime.NumCPU(), 4) }
