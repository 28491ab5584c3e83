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
		if errors.Is(err, errEquals) && f.Shorthand != "" {
			return usagef("invalid value %q for %s: want %s right after -%s= (or after -%s and a space)", invalid.GetValue(), flagNames(f), want(f), f.Shorthand, f.Shorthand)
		}
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

// commandError rewrites cobra's unknown-command error, whose suggestions
// take lines of their own, as one line like flagError's; other errors pass
// through. root finds the command the unknown one was given to.
func commandError(root *cobra.Command, err error) error {
	var name, path string
	if _, serr := fmt.Sscanf(err.Error(), "unknown command %q for %q", &name, &path); serr != nil {
		return err
	}
	parent, _, ferr := root.Find(strings.Fields(path)[1:])
	if ferr != nil {
		return usageError{err}
	}
	if s := closestCommand(parent, name); s != "" {
		return usagef("unknown command %q for %q; did you mean %s?", name, path, s)
	}
	return usagef("unknown command %q for %q", name, path)
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

// closestFlag is the name of cmd's flag nearest to the mistyped name (see
// closest).
func closestFlag(cmd *cobra.Command, name string) string {
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	return closest(name, names)
}

// closestCommand is the name of cmd's subcommand nearest to the mistyped
// name (see closest).
func closestCommand(cmd *cobra.Command, name string) string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return closest(name, names)
}

// closest is the first of names nearest to the mistyped name: at most two
// edits away, as cobra suggests commands, or starting with it, in any case;
// "" if none. One name, not cobra's list of all within reach, so that a
// suggestion fits on the error's line.
func closest(name string, names []string) string {
	name = strings.ToLower(name)
	best, bestDist := "", 3
	for _, n := range names {
		d := editDistance(name, n)
		if strings.HasPrefix(n, name) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes. cobra
// has one, but does not export it.
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
// later as "mkdir : no such file or directory", and so is "=", which is what
// pflag makes of a shorthand's -o= with nothing after it.
type pathValue struct {
	p    *string
	what string // what the flag names, for the error: "a directory"
}

func (v *pathValue) String() string { return *v.p }

// Type is "string", so that help shows the flag as it did as a plain string.
func (v *pathValue) Type() string { return "string" }

// errEquals is the value "=" of a pathValue.
var errEquals = errors.New(`"=" is no path`)

func (v *pathValue) Set(s string) error {
	switch s {
	case "":
		return errors.New("empty")
	case "=":
		return errEquals
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
			if s := closestCommand(root, args[0]); s != "" {
				return fmt.Errorf("%w %q; did you mean %s?", errHelpTopic, strings.Join(args, " "), s)
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
