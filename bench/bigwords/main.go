// Command bigwords measures makemore train on a big words file: it writes a
// file of name-like words of the size asked for (the same bytes for the same
// size and seed), then runs `makemore train --max-steps 1000` on it at each
// block size and reports the peak resident memory (n/a where the system does
// not keep it: Windows, Plan 9, WebAssembly), the wall time and the CPU time
// of each run. The runs' progress lines (on stderr, one per phase that takes a second
// or more) are passed through, so each phase's time shows too.
//
// With -data it runs no makemore: it times reading the file and splitting it
// at the first block size in its own process, as train does them, and
// reports the two phases and its own peak resident memory.
//
//	go run ./bench/bigwords                    # 100 MB, blocks 3 and 8, bin/makemore
//	go run ./bench/bigwords -size 1G -blocks 8
//	go run ./bench/bigwords -bin /tmp/old/makemore -keep
//	go run ./bench/bigwords -size 1G -blocks 8 -data -keep
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/data"
)

func main() {
	size := flag.String("size", "100M", "bytes of the words file (suffix K, M or G: powers of 1000, except G=GiB as the 1 GiB limit)")
	seed := flag.Uint64("seed", 1, "seed of the word generator")
	bin := flag.String("bin", "bin/makemore", "the makemore binary to measure")
	blocks := flag.String("blocks", "3,8", "block sizes to train, comma-separated")
	dir := flag.String("dir", os.TempDir(), "where the words file and the work dirs go")
	keep := flag.Bool("keep", false, "keep the words file for the next run (it is reused when present)")
	dataOnly := flag.Bool("data", false, "time only reading and splitting the file, in this process, at the first block size")
	flag.Parse()
	n, err := parseSize(*size)
	if err != nil {
		fail(err)
	}
	words := filepath.Join(*dir, fmt.Sprintf("bigwords-%s-%d.txt", *size, *seed))
	if _, err := os.Stat(words); err != nil {
		start := time.Now()
		if err := generate(words, n, *seed); err != nil {
			fail(err)
		}
		fmt.Fprintf(os.Stderr, "bigwords: wrote %s (%d bytes) in %.1fs\n", words, n, time.Since(start).Seconds())
	}
	if !*keep {
		defer os.Remove(words)
	}
	if *dataOnly {
		block, err := strconv.Atoi(strings.Split(*blocks, ",")[0])
		if err != nil {
			fail(fmt.Errorf("-blocks %q: want block sizes, comma-separated", *blocks))
		}
		if err := readAndSplit(words, block, trainSeed); err != nil {
			fail(err)
		}
		return
	}
	// CPU time besides wall time: on a shared machine it is the steadier figure.
	fmt.Printf("%-6s %12s %10s %10s\n", "block", "peak RSS MB", "wall s", "cpu s")
	for _, b := range strings.Split(*blocks, ",") {
		work, err := os.MkdirTemp(*dir, "bigwords-run")
		if err != nil {
			fail(err)
		}
		cmd := exec.Command(*bin, "train", "-i", words, "-o", work, "--max-steps", "1000", "--block-size", b)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		start := time.Now()
		err = cmd.Run()
		wall := time.Since(start)
		os.RemoveAll(work)
		if err != nil {
			fail(fmt.Errorf("block %s: %v", b, err))
		}
		rss := "n/a"
		if peak, ok := peakRSS(cmd.ProcessState); ok {
			rss = fmt.Sprintf("%.0f", float64(peak)/1e6)
		}
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		fmt.Printf("%-6s %12s %10.1f %10.1f\n", b, rss, wall.Seconds(), cpu.Seconds())
	}
}

// trainSeed is train's default --seed, which -data splits with.
const trainSeed = 42

// readAndSplit times the phases train starts with, reading the words file
// and splitting it, and prints them with this process's peak resident memory.
func readAndSplit(path string, block int, seed uint64) error {
	start := time.Now()
	f, err := data.ReadFile(path, "-i", nil)
	if err != nil {
		return err
	}
	read := time.Since(start)
	start = time.Now()
	sp, err := data.BuildSplits(f, f.Vocab(), block, seed, nil)
	if err != nil {
		return err
	}
	split := time.Since(start)
	rss := "n/a"
	if peak, ok := selfPeakRSS(); ok {
		rss = fmt.Sprintf("%.0f", float64(peak)/1e6)
	}
	fmt.Printf("%-6s %12s %10s %10s %12s %12s\n", "block", "words", "read s", "split s", "train ex", "peak RSS MB")
	fmt.Printf("%-6d %12d %10.2f %10.2f %12d %12s\n", block, f.Len(), read.Seconds(), split.Seconds(), sp.Train.Len(), rss)
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bigwords:", err)
	os.Exit(1)
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult = 1e3
	case strings.HasSuffix(s, "M"):
		mult = 1e6
	case strings.HasSuffix(s, "G"):
		mult = 1 << 30
	}
	n, err := strconv.ParseInt(strings.TrimRight(s, "KMG"), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("-size %q: want a positive number of bytes, with an optional K, M or G", s)
	}
	return n * mult, nil
}

// generate writes n bytes of words drawn from a character trigram model of
// the bundled names.txt: new names that look like names, of the same length
// spread, with the last word cut to fit n.
func generate(path string, n int64, seed uint64) error {
	next := trigrams()
	r := rand.New(rand.NewPCG(seed, 0))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var word []byte
	for written := int64(0); written < n; {
		word = word[:0]
		a, b := byte('.'), byte('.')
		for len(word) < 20 {
			c := next[[2]byte{a, b}].draw(r)
			if c == '.' {
				break
			}
			word = append(word, c)
			a, b = b, c
		}
		if len(word) == 0 {
			continue
		}
		word = append(word, '\n')
		if rest := n - written; int64(len(word)) > rest {
			word = append(word[:rest-1], '\n')
		}
		w.Write(word)
		written += int64(len(word))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// counts is what follows a pair of characters, and how often.
type counts struct {
	chars []byte
	cum   []int // cumulative counts
}

func (c *counts) draw(r *rand.Rand) byte {
	x := r.IntN(c.cum[len(c.cum)-1])
	for i, v := range c.cum {
		if x < v {
			return c.chars[i]
		}
	}
	panic("unreachable")
}

// trigrams counts, in names.txt, which character follows each pair ('.' pads
// the start and marks the end), in sorted order so the model is the same on
// every run.
func trigrams() map[[2]byte]*counts {
	freq := map[[2]byte]map[byte]int{}
	for _, name := range bytes.Fields(makemore.Names) {
		a, b := byte('.'), byte('.')
		for _, c := range append(name, '.') {
			k := [2]byte{a, b}
			if freq[k] == nil {
				freq[k] = map[byte]int{}
			}
			freq[k][c]++
			a, b = b, c
		}
	}
	out := map[[2]byte]*counts{}
	for k, m := range freq {
		c := &counts{}
		for ch := byte(0); ch < 128; ch++ {
			if m[ch] > 0 {
				c.chars = append(c.chars, ch)
				c.cum = append(c.cum, m[ch]+lastOr0(c.cum))
			}
		}
		out[k] = c
	}
	return out
}

func lastOr0(s []int) int {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}
