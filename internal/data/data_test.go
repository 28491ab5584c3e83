package data

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	makemore "github.com/makemore/makemore"
	"golang.org/x/text/unicode/norm"
)

// wordsOf is every word of f.
func wordsOf(f *File) []string {
	out := make([]string, f.Len())
	for i := range out {
		out[i] = f.Word(i)
	}
	return out
}

// fileOf is a words file of words, one per line.
func fileOf(t testing.TB, words ...string) *File {
	t.Helper()
	f, err := Parse("words.txt", []byte(strings.Join(words, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestBundledNames(t *testing.T) {
	f, err := Parse("names.txt", makemore.Names)
	if err != nil {
		t.Fatal(err)
	}
	words := wordsOf(f)
	if len(words) != 32257 {
		t.Errorf("%d words, want 32257", len(words))
	}
	distinct := map[string]bool{}
	for _, w := range words {
		distinct[w] = true
	}
	if len(distinct) != 29693 {
		t.Errorf("%d distinct words, want 29693", len(distinct))
	}
	if got := f.Vocab().String(); got != "abcdefghijklmnopqrstuvwxyz" {
		t.Errorf("vocabulary %q, want a-z", got)
	}
	if f.MaxLen() != 15 {
		t.Errorf("longest word %d, want 15", f.MaxLen())
	}
	if words[0] != "emma" || words[1] != "olivia" {
		t.Errorf("first words %q, want girls' names in rank order", words[:2])
	}
	// One word a line, each ended: the words' digest is the bytes', which
	// checkpoints of names.txt have always recorded.
	if f.SHA256 != f.RawSHA256 || len(f.SHA256) != 64 {
		t.Errorf("words digest %s, bytes digest %s: want the same", f.SHA256, f.RawSHA256)
	}
}

func TestParseTrimsAndAcceptsCRLF(t *testing.T) {
	f, err := Parse("w", []byte("  anna \r\n\r\n\tbob\r\nzoë\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"anna", "bob", "zoë"}; !slices.Equal(wordsOf(f), want) {
		t.Fatalf("words %q, want %q", wordsOf(f), want)
	}
	v := f.Vocab()
	if got := v.String(); got != "abnozë" || v.Size() != 7 {
		t.Fatalf("vocab %q of size %d, want code points in sorted order after the boundary", got, v.Size())
	}
}

// A copy saved with a byte-order mark, CRLF line ends, blank lines or
// decomposed accents is the same words, and the same file to a checkpoint.
func TestParseCopiesAreTheSameWords(t *testing.T) {
	clean, err := Parse("w", []byte("zoé\nemma\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"bom":          "\uFEFFzoé\nemma\n",
		"crlf":         "zoé\r\nemma\r\n",
		"cr only":      "zoé\remma\r",
		"cr, no end":   "zoé\r\remma",
		"no final eol": "zoé\nemma",
		"blank lines":  "\nzoé\n\n  emma\t\n",
		"decomposed":   "zoe\u0301\nemma\n",
	} {
		f, err := Parse("w", []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if got := wordsOf(f); !slices.Equal(got, wordsOf(clean)) {
			t.Errorf("%s: words %q, want %q", name, got, wordsOf(clean))
		}
		if f.Vocab().String() != "aemozé" {
			t.Errorf("%s: vocabulary %q, want é as one character", name, f.Vocab().String())
		}
		if f.SHA256 != clean.SHA256 || !f.Matches(clean.SHA256) {
			t.Errorf("%s: words digest %s, want the clean copy's %s", name, f.SHA256, clean.SHA256)
		}
		if f.RawSHA256 == clean.RawSHA256 || !f.Matches(f.RawSHA256) {
			t.Errorf("%s: the bytes digest must be the copy's own, and still recognised", name)
		}
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
	// A chunk ends after its last line end, but not after a CR last in what
	// was read so far: an LF after it makes one line end, not an empty line.
	for _, c := range []struct {
		in  string
		cut int
	}{{"ab\r", 0}, {"ab\r\ncd", 4}, {"ab\rcd", 3}, {"ab", 0}, {"ab\n", 3}, {"a\rb\r", 2}, {"a\nb\rc", 4}} {
		if got := lineCut([]byte(c.in)); got != c.cut {
			t.Errorf("lineCut(%q) = %d, want %d", c.in, got, c.cut)
		}
	}
	// So a CRLF across two chunks is one line end: the bad line is the one
	// after it.
	lines := (chunkBytes - 4) / 2
	crlf := strings.Repeat("a\n", lines) + "bbb\r\n\xff\n" // the CR last in the first chunk
	if _, err := Parse("w", []byte(crlf)); err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("w:%d: invalid UTF-8", lines+2)) {
		t.Errorf("CRLF across chunks: %v", err)
	}
	// A line too long to be a word is named by its number.
	if _, err := Parse("w", []byte("anna\n\n"+strings.Repeat("a", MaxLineBytes+1))); err == nil || !strings.HasPrefix(err.Error(), "w:3: line longer than 65536 bytes") {
		t.Errorf("long third line: %v", err)
	}
	// A NUL byte says the file is binary wherever it is, even after a bad line.
	if _, err := Parse("w", []byte("anna\n\xff\n"+strings.Repeat("b\n", 1<<16)+"\x00")); err == nil || !strings.Contains(err.Error(), "NUL byte at offset 131079") {
		t.Errorf("NUL after invalid UTF-8: %v", err)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "missing.txt"), dir} {
		if _, err := ReadFile(path, "--input-file", nil); err == nil || !strings.HasPrefix(err.Error(), path) {
			t.Errorf("ReadFile(%s) = %v, want an error naming it", path, err)
		}
	}
	ok := filepath.Join(dir, "ok.txt")
	os.WriteFile(ok, []byte("ab\ncd\n"), 0o644)
	f, err := ReadFile(ok, "--input-file", nil)
	if err != nil || f.Len() != 2 || len(f.SHA256) != 64 {
		t.Fatalf("ReadFile = %+v, %v", f, err)
	}
}

// Reading reports the bytes read, in order, up to the file's size.
func TestReadFileReports(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.txt")
	b := []byte(strings.Repeat("anna\nbob\n", 3*reportEvery/9))
	os.WriteFile(path, b, 0o644)
	var done []int64
	f, err := ReadFile(path, "--input-file", func(d, total int64) {
		if total != int64(len(b)) {
			t.Fatalf("total %d, want the file's %d bytes", total, len(b))
		}
		done = append(done, d)
	})
	if err != nil || f.Len() != 2*3*reportEvery/9 {
		t.Fatalf("ReadFile: %v", err)
	}
	if len(done) < 3 || !slices.IsSorted(done) || done[len(done)-1] != int64(len(b)) {
		t.Fatalf("reported %v", done)
	}
}

func TestSplitIsSeededPartition(t *testing.T) {
	words := make([]string, 1000)
	for i := range words {
		words[i] = strings.Repeat("a", i%7+1) + string(rune('a'+i%26))
	}
	f := fileOf(t, words...)
	a, err := SplitWords(f, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SplitWords(f, 7)
	c, _ := SplitWords(f, 8)
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
	// The lecture's shuffle of the words themselves, which the split must
	// stay: a model's split is rebuilt from its seed.
	shuffled := slices.Clone(words)
	r := NewRand(7, StreamSplit)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for k, i := range all {
		if f.Word(int(i)) != shuffled[k] {
			t.Fatalf("word %d of the split is %q, the shuffle has %q", k, f.Word(int(i)), shuffled[k])
		}
	}
	if _, err := SplitWords(fileOf(t, words[:2]...), 1); err == nil {
		t.Error("2 words accepted: cannot fill train, val and test")
	}
	s, err := SplitWords(fileOf(t, words[:3]...), 1)
	if err != nil || len(s.Train) != 1 || len(s.Val) != 1 || len(s.Test) != 1 {
		t.Errorf("3 words: %v, %v", s, err)
	}
}

// materialise is the examples of words as the lecture builds them, every
// context written out: what a Dataset must gather.
func materialise(words []string, v *Vocab, block int) (x, y []int32) {
	ctx := make([]int32, block)
	for _, w := range words {
		clear(ctx)
		emit := func(t int32) {
			x = append(x, ctx...)
			y = append(y, t)
			copy(ctx, ctx[1:])
			ctx[block-1] = t
		}
		for _, r := range w {
			t, _ := v.Token(r)
			emit(int32(t))
		}
		emit(Boundary)
	}
	return x, y
}

func TestBuildExamples(t *testing.T) {
	f := fileOf(t, "ab", "b")
	d := NewDataset(f, f.Vocab(), 3)
	// a=1 b=2: "ab" gives ...→a, ..a→b, .ab→.; "b" gives ...→b, ..b→.
	wantX := []int32{0, 0, 0, 0, 0, 1, 0, 1, 2, 0, 0, 0, 0, 0, 2}
	wantY := []int32{1, 2, 0, 2, 0}
	x, y := make([]int32, 5*3), make([]int32, 5)
	d.Gather(0, x, y)
	if d.Len() != 5 || !slices.Equal(x, wantX) || !slices.Equal(y, wantY) {
		t.Fatalf("%d examples, X %v Y %v, want X %v Y %v", d.Len(), x, y, wantX, wantY)
	}
	x, y = make([]int32, 4*3), make([]int32, 4)
	d.Batch(NewRand(1, StreamBatch), x, y)
	for i := range y {
		found := false
		for j := range wantY {
			if wantY[j] == y[i] && slices.Equal(wantX[j*3:j*3+3], x[i*3:i*3+3]) {
				found = true
			}
		}
		if !found {
			t.Errorf("batch row %d (%v → %d) is not an example", i, x[i*3:i*3+3], y[i])
		}
	}
}

// Gathered examples are the lecture's, for contexts shorter and longer than
// the words, vocabularies of one and two bytes a token, a vocabulary with
// more characters than the file's (as a checkpoint's may be), and the parts
// of a split in their order, the shuffle's or a keyed split's.
func TestDatasetGathersTheLecturesExamples(t *testing.T) {
	r := NewRand(3, 0)
	word := func(alphabet []rune) string {
		w := make([]rune, 1+r.IntN(9))
		for i := range w {
			w[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(w)
	}
	narrow := []rune("abcdefgh")
	var wide []rune // more characters than a byte numbers
	for c := rune(0x4E00); c < 0x4E00+300; c++ {
		wide = append(wide, c)
	}
	for _, c := range []struct {
		name     string
		alphabet []rune
		extra    string // characters of the vocabulary the words lack
	}{{"narrow", narrow, ""}, {"wide", wide, ""}, {"vocabulary wider than the file", narrow, "ABCxyz"}} {
		words := make([]string, 200)
		for i := range words {
			words[i] = word(c.alphabet)
		}
		f := fileOf(t, words...)
		v := fileOf(t, append(slices.Clone(words), c.extra)...).Vocab()
		for _, block := range []int{1, 3, 8, 16} {
			ws, err := SplitWords(f, 5)
			if err != nil {
				t.Fatal(err)
			}
			sp, _ := BuildSplits(f, v, block, 5, nil)
			// A big file's split, its heads and pieces made small.
			keyed := keyedSplitOf(f, 5, 7, 50)
			checkLecturesExamples(t, c.name, block, ws, sp, words, v)
			checkLecturesExamples(t, c.name+", keyed", block, keyed.words(), keyed.layOut(v, block, nil), words, v)
		}
	}
}

// checkLecturesExamples fails t unless each part of sp gathers the
// examples of its words in ws, as the lecture builds them.
func checkLecturesExamples(t *testing.T, name string, block int, ws Split, sp *Splits, words []string, v *Vocab) {
	t.Helper()
	for i, part := range [][]int32{ws.Train, ws.Val, ws.Test} {
		d := []*Dataset{sp.Train, sp.Val, sp.Test}[i]
		if sp.Words[i] != len(part) {
			t.Fatalf("%s, part %d: %d words, the split has %d", name, i, sp.Words[i], len(part))
		}
		var pw []string
		for _, j := range part {
			pw = append(pw, words[j])
		}
		wantX, wantY := materialise(pw, v, block)
		x, y := make([]int32, len(wantX)), make([]int32, len(wantY))
		d.Gather(0, x, y)
		if d.Len() != len(wantY) || !slices.Equal(x, wantX) || !slices.Equal(y, wantY) {
			t.Fatalf("%s, block %d, part %d: gathered examples differ from the lecture's", name, block, i)
		}
		head := d.Head(7)
		hx, hy := make([]int32, 7*block), make([]int32, 7)
		head.Gather(0, hx, hy)
		if head.Len() != min(7, d.Len()) || !slices.Equal(hx[:head.Len()*block], wantX[:head.Len()*block]) {
			t.Fatalf("%s, block %d: Head(7) is not the first examples", name, block)
		}
	}
}

func TestIndexFindsTheParts(t *testing.T) {
	words := []string{"anna", "bob", "zoé", "ann", "annas", "bo", "émile", "bob", "carl", "dee"}
	f := fileOf(t, words...)
	sp, err := SplitWords(f, 3)
	if err != nil {
		t.Fatal(err)
	}
	x := NewIndex(sp, nil)
	want := map[string]string{}
	for _, p := range []struct {
		name  string
		words []int32
	}{{"test", sp.Test}, {"val", sp.Val}, {"train", sp.Train}} { // later parts win
		for _, i := range p.words {
			want[words[i]] = p.name
		}
	}
	for _, w := range append(words, "an", "annaa", "bobby", "zzz", "q", "Anna") {
		if got := x.Part(w); got != want[w] {
			t.Errorf("Part(%q) = %q, want %q", w, got, want[w])
		}
	}
	if got := x.Part("zoe\u0301"); got != want["zoé"] {
		t.Errorf("a decomposed é is not found as the composed one: %q", got)
	}
}

func TestVocabRoundTrip(t *testing.T) {
	v := fileOf(t, "héllo", "wörld").Vocab()
	if v.String() != "dhlorwéö" {
		t.Fatalf("vocabulary %q, want the sorted distinct characters", v.String())
	}
	w, err := ParseVocab(v.String())
	if err != nil || w.String() != v.String() {
		t.Fatalf("ParseVocab(%q) = %v, %v", v.String(), w, err)
	}
	for _, bad := range []string{"", "ba", "aab"} {
		if _, err := ParseVocab(bad); err == nil {
			t.Errorf("ParseVocab(%q) accepted", bad)
		}
	}
	if got := string(v.Missing(fileOf(t, "hallo", "wörld!"))); got != "!a" {
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
		v := file.Vocab()
		runes := 0
		for i := range file.Len() {
			w := file.Word(i)
			if w == "" || w != strings.TrimSpace(w) || !utf8.ValidString(w) || strings.ContainsAny(w, "\n\x00") || !norm.NFC.IsNormalString(w) {
				t.Fatalf("bad word %q", w)
			}
			for _, r := range w {
				if tok, ok := v.Token(r); !ok || v.Char(tok) != r {
					t.Fatalf("rune %q does not round-trip", r)
				}
				runes++
			}
		}
		if d := NewDataset(file, v, 3); d.Len() != file.Len()+runes {
			t.Fatalf("%d examples for %d words", d.Len(), file.Len())
		}
	})
}
