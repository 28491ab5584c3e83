package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagError rewrites pflag's parse errors as usage errors that say which flag
// wants what, instead of quoting strconv, and suggests the flag a mistyped
// one was probably meant to be.
func flagError(cmd *cobra.Command, err error) error {
	var (
		invalid  *pflag.InvalidValueError
		required *pflag.ValueRequiredError
		unknown  *pflag.NotExistError
	)
	switch {
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		if errors.Is(err, strconv.ErrRange) {
			return usagef("invalid value %q for %s: out of range", invalid.GetValue(), flagNames(f))
		}
		return usagef("invalid value %q for %s: want %s", invalid.GetValue(), flagNames(f), want(f))
	case errors.As(err, &required):
		f := required.GetFlag()
		return usagef("%s needs a value: %s", flagNames(f), want(f))
	case errors.As(err, &unknown) && strings.HasPrefix(err.Error(), "unknown flag: "):
		if s := closestFlag(cmd, unknown.GetSpecifiedName()); s != "" {
			return usagef("%v; did you mean --%s?", err, s)
		}
	}
	return usageError{err}
}

// optionalValueHint says where arg goes when it was meant as the value of a
// flag given without one whose value is optional (--diagnostics, a bool):
// pflag takes such a value only after '=', so "--diagnostics 50" leaves 50
// over as an argument. "" when no such flag could take it.
func optionalValueHint(cmd *cobra.Command, arg string) string {
	hint := ""
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if hint != "" || f.NoOptDefVal == "" || f.Value.String() != f.NoOptDefVal {
			return
		}
		if _, err := strconv.ParseBool(arg); f.Value.Type() == "bool" && err != nil {
			return
		}
		hint = fmt.Sprintf("; --%s takes its value after '=': --%s=%s", f.Name, f.Name, arg)
	})
	return hint
}

// flagNames is how a flag is written: "-n/--num-samples", or "--seed".
func flagNames(f *pflag.Flag) string {
	if f.Shorthand != "" {
		return "-" + f.Shorthand + "/--" + f.Name
	}
	return "--" + f.Name
}

// want says what a flag's value must be, by its type.
func want(f *pflag.Flag) string {
	if p, ok := f.Value.(*pathValue); ok {
		return p.what
	}
	switch f.Value.Type() {
	case "int":
		return "a whole number"
	case "uint64":
		return "a whole number, 0 or more"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	}
	return "a " + f.Value.Type()
}

// closestFlag is the name of cmd's flag nearest to the mistyped name: at most
// two edits away, as cobra suggests commands, or starting with it; "" if none.
func closestFlag(cmd *cobra.Command, name string) string {
	best, bestDist := "", 3
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		d := editDistance(name, f.Name)
		if strings.HasPrefix(f.Name, name) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes. cobra
// has one for commands, but does not export it.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev, cur := make([]int, len(rb)+1), make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := range ra {
		cur[0] = i + 1
		for j := range rb {
			cost := 1
			if ra[i] == rb[j] {
				cost = 0
			}
			cur[j+1] = min(prev[j+1]+1, cur[j]+1, prev[j]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// pathValue is a string flag that names a file or directory: an empty value,
// as an unset shell variable gives, is refused up front rather than failing
// later as "mkdir : no such file or directory".
type pathValue struct {
	p    *string
	what string // what the flag names, for the error: "a directory"
}

func (v *pathValue) String() string { return *v.p }

// Type is "string", so that help shows the flag as it did as a plain string.
func (v *pathValue) Type() string { return "string" }

func (v *pathValue) Set(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	*v.p = s
	return nil
}

// errHelpTopic marks `makemore help` asked about no command there is.
var errHelpTopic = errors.New("unknown help topic")

// checkHelpTopics makes `makemore help NOSUCH` a usage error: cobra's help
// command prints the root's usage page and exits 0.
func checkHelpTopics(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	help, _, _ := root.Find([]string{"help"})
	show := help.Run
	help.Run = nil
	help.RunE = func(c *cobra.Command, args []string) error {
		if _, _, err := root.Find(args); err != nil {
			if s := root.SuggestionsFor(args[0]); len(s) > 0 {
				return fmt.Errorf("%w %q; did you mean %s?", errHelpTopic, strings.Join(args, " "), s[0])
			}
			var topics []string
			for _, sub := range root.Commands() {
				if sub.IsAvailableCommand() {
					topics = append(topics, sub.Name())
				}
			}
			return fmt.Errorf("%w %q; the commands are %s", errHelpTopic, strings.Join(args, " "), strings.Join(topics, ", "))
		}
		show(c, args)
		return nil
	}
}
