package data

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	makemore "github.com/makemore/makemore"
)

func TestBundledNames(t *testing.T) {
	f, err := Parse("names.txt", makemore.Names)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Words) != 32257 {
		t.Errorf("%d words, want 32257", len(f.Words))
	}
	distinct := map[string]bool{}
	for _, w := range f.Words {
		distinct[w] = true
	}
	if len(distinct) != 29693 {
		t.Errorf("%d distinct words, want 29693", len(distinct))
	}
	if got := NewVocab(f.Words).String(); got != "abcdefghijklmnopqrstuvwxyz" {
		t.Errorf("vocabulary %q, want a-z", got)
	}
	if MaxLen(f.Words) != 15 {
		t.Errorf("longest word %d, want 15", MaxLen(f.Words))
	}
	if f.Words[0] != "emma" || f.Words[1] != "olivia" {
		t.Errorf("first words %q, want girls' names in rank order", f.Words[:2])
	}
}

func TestParseTrimsAndAcceptsCRLF(t *testing.T) {
	f, err := Parse("w", []byte("  anna \r\n\r\n\tbob\r\nzoë\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"anna", "bob", "zoë"}; !slices.Equal(f.Words, want) {
		t.Fatalf("words %q, want %q", f.Words, want)
	}
	v := NewVocab(f.Words)
	if got := v.String(); got != "abnozë" || v.Size() != 7 {
		t.Fatalf("vocab %q of size %d, want code points in sorted order after the boundary", got, v.Size())
	}
}

func TestParseRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"blank":        "\n \r\n\t\n",
		"nul":          "anna\x00\n",
		"invalid utf8": "anna\n\xff\xfe\n",
		"huge line":    strings.Repeat("a", MaxLineBytes+1),
	} {
		if _, err := Parse("words.txt", []byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.HasPrefix(err.Error(), "words.txt") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q should be one line naming the file", name, err)
		}
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "missing.txt"), dir} {
		if _, err := ReadFile(path); err == nil || !strings.HasPrefix(err.Error(), path) {
			t.Errorf("ReadFile(%s) = %v, want an error naming it", path, err)
		}
	}
	ok := filepath.Join(dir, "ok.txt")
	os.WriteFile(ok, []byte("ab\ncd\n"), 0o644)
	f, err := ReadFile(ok)
	if err != nil || len(f.Words) != 2 || len(f.SHA256) != 64 {
		t.Fatalf("ReadFile = %+v, %v", f, err)
	}
}

func TestSplitIsSeededPartition(t *testing.T) {
	words := make([]string, 1000)
	for i := range words {
		words[i] = strings.Repeat("a", i%7+1) + string(rune('a'+i%26))
	}
	a, err := SplitWords("w", words, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SplitWords("w", words, 7)
	c, _ := SplitWords("w", words, 8)
	if len(a.Train) != 800 || len(a.Val) != 100 || len(a.Test) != 100 {
		t.Fatalf("split %d/%d/%d, want 800/100/100", len(a.Train), len(a.Val), len(a.Test))
	}
	all := slices.Concat(a.Train, a.Val, a.Test)
	if !slices.Equal(all, slices.Concat(b.Train, b.Val, b.Test)) {
		t.Error("same seed gave a different split")
	}
	if slices.Equal(all, slices.Concat(c.Train, c.Val, c.Test)) {
		t.Error("another seed gave the same split")
	}
	slices.Sort(all)
	sorted := slices.Clone(words)
	slices.Sort(sorted)
	if !slices.Equal(all, sorted) {
		t.Error("split is not a permutation of the words")
	}
	if _, err := SplitWords("w", words[:2], 1); err == nil {
		t.Error("2 words accepted: cannot fill train, val and test")
	}
	s, err := SplitWords("w", words[:3], 1)
	if err != nil || len(s.Train) != 1 || len(s.Val) != 1 || len(s.Test) != 1 {
		t.Errorf("3 words: %v, %v", s, err)
	}
}

func TestBuildExamples(t *testing.T) {
	v := NewVocab([]string{"ab", "b"})
	d := Build([]string{"ab", "b"}, v, 3)
	// a=1 b=2: "ab" gives ...→a, ..a→b, .ab→.; "b" gives ...→b, ..b→.
	wantX := []int32{0, 0, 0, 0, 0, 1, 0, 1, 2, 0, 0, 0, 0, 0, 2}
	wantY := []int32{1, 2, 0, 2, 0}
	if !slices.Equal(d.X, wantX) || !slices.Equal(d.Y, wantY) {
		t.Fatalf("X %v Y %v, want X %v Y %v", d.X, d.Y, wantX, wantY)
	}
	x, y := make([]int32, 4*3), make([]int32, 4)
	d.Batch(NewRand(1, StreamBatch), x, y)
	for i := range y {
		found := false
		for j := range d.Y {
			if d.Y[j] == y[i] && slices.Equal(d.X[j*3:j*3+3], x[i*3:i*3+3]) {
				found = true
			}
		}
		if !found {
			t.Errorf("batch row %d (%v → %d) is not an example", i, x[i*3:i*3+3], y[i])
		}
	}
}

func TestVocabRoundTrip(t *testing.T) {
	v := NewVocab([]string{"héllo", "wörld"})
	w, err := ParseVocab(v.String())
	if err != nil || w.String() != v.String() {
		t.Fatalf("ParseVocab(%q) = %v, %v", v.String(), w, err)
	}
	for _, bad := range []string{"", "ba", "aab"} {
		if _, err := ParseVocab(bad); err == nil {
			t.Errorf("ParseVocab(%q) accepted", bad)
		}
	}
	if got := string(v.Missing([]string{"hallo", "wörld!"})); got != "!a" {
		t.Errorf("Missing = %q, want \"!a\"", got)
	}
	if v.Char(Boundary) != '.' {
		t.Error("boundary does not print as '.'")
	}
}

func FuzzParseWords(f *testing.F) {
	f.Add([]byte("emma\nolivia\r\n\n ava \n"))
	f.Add([]byte("zoë\n\xff\n"))
	f.Add([]byte("a\x00b"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse("fuzz", b)
		if err != nil {
			return
		}
		v := NewVocab(file.Words)
		for _, w := range file.Words {
			if w == "" || w != strings.TrimSpace(w) || !utf8.ValidString(w) || strings.ContainsAny(w, "\n\x00") {
				t.Fatalf("bad word %q", w)
			}
			for _, r := range w {
				if tok, ok := v.Token(r); !ok || v.Char(tok) != r {
					t.Fatalf("rune %q does not round-trip", r)
				}
			}
		}
		d := Build(file.Words, v, 3)
		if d.Len() != len(file.Words)+utf8.RuneCount([]byte(strings.Join(file.Words, ""))) {
			t.Fatalf("%d examples for %d words", d.Len(), len(file.Words))
		}
	})
}
