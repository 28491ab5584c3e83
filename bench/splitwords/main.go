// Command splitwords writes the words of makemore's 80/10/10 split of a words
// file (the split `makemore train` makes with the same seed) to OUTDIR/train.txt,
// val.txt and test.txt, one word per line in split order, so that another tool
// (bench/transformer_torch.py) can train and evaluate on exactly the same words.
//
//	go run ./bench/splitwords /tmp/split                 # bundled names.txt, seed 42
//	go run ./bench/splitwords -i words.txt -seed 7 /tmp/split
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/data"
)

func main() {
	input := flag.String("i", "", "words file, one word per line (default: the bundled names.txt)")
	seed := flag.Uint64("seed", 42, "seed of the split, as makemore train's --seed")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: splitwords [-i WORDS] [-seed 42] OUTDIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	out := flag.Arg(0)

	var f *data.File
	var err error
	if *input == "" {
		f, err = data.Parse("names.txt (bundled)", makemore.Names)
	} else {
		f, err = data.ReadFile(*input, "-i", nil)
	}
	if err != nil {
		fail(err)
	}
	s, err := data.SplitWords(f, *seed)
	if err != nil {
		fail(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fail(err)
	}
	for _, part := range []struct {
		name  string
		words []int32
	}{{"train.txt", s.Train}, {"val.txt", s.Val}, {"test.txt", s.Test}} {
		path := filepath.Join(out, part.name)
		if err := write(path, f, part.words); err != nil {
			fail(err)
		}
		fmt.Fprintf(os.Stderr, "splitwords: %s: %d words\n", path, len(part.words))
	}
}

// write puts the words of f at indices words in the file at path, one a line.
func write(path string, f *data.File, words []int32) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(file, 1<<16)
	for _, i := range words {
		w.WriteString(f.Word(int(i)))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "splitwords:", err)
	os.Exit(1)
}
