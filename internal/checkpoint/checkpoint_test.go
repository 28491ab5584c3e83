package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func sample() ([]Tensor, map[string]string) {
	return []Tensor{
			{"W", []int{2, 3}, []float32{1, -2, 3.5, 0, 1e-30, -7}},
			{"b", []int{3}, []float32{0.1, 0.2, 0.3}},
			{"C", []int{3, 1}, []float32{9, 8, 7}},
		}, map[string]string{
			"format": "test", "vocab": "abc", "note": "ünïcode ✓",
		}
}

func TestRoundTripAndDeterminism(t *testing.T) {
	ts, meta := sample()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Write(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	b1, _ := os.ReadFile(path)
	if err := Write(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(path)
	if !bytes.Equal(b1, b2) {
		t.Fatal("the same tensors gave different bytes")
	}
	got, gotMeta, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ts {
		if got[i].Name != ts[i].Name || !slices.Equal(got[i].Shape, ts[i].Shape) || !slices.Equal(got[i].Data, ts[i].Data) {
			t.Errorf("tensor %d: got %+v, want %+v", i, got[i], ts[i])
		}
	}
	for k, v := range meta {
		if gotMeta[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, gotMeta[k], v)
		}
	}
	if len(gotMeta) != len(meta)+1 || !strings.HasPrefix(gotMeta[ChecksumKey], "sha256:") {
		t.Errorf("metadata %v: want the written keys and the checksum", gotMeta)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("left %d files in the directory, want only the checkpoint", len(entries))
	}
}

// Decode the header by hand, as the safetensors spec describes it, so that a
// mistake shared by encode and Parse cannot hide.
func TestLayoutFollowsSpec(t *testing.T) {
	ts, meta := sample()
	b, err := encode(ts, meta)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	if (8+n)%8 != 0 {
		t.Errorf("data starts at %d, not 8-byte aligned", 8+n)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	var md map[string]string
	if err := json.Unmarshal(header["__metadata__"], &md); err != nil || !strings.HasPrefix(md["checksum"], "sha256:") {
		t.Fatalf("metadata %s: %v", header["__metadata__"], err)
	}
	data := b[8+n:]
	for _, tn := range ts {
		var e struct {
			Dtype   string `json:"dtype"`
			Shape   []int  `json:"shape"`
			Offsets []int  `json:"data_offsets"`
		}
		if err := json.Unmarshal(header[tn.Name], &e); err != nil {
			t.Fatal(err)
		}
		if e.Dtype != "F32" || !slices.Equal(e.Shape, tn.Shape) || e.Offsets[1]-e.Offsets[0] != 4*len(tn.Data) {
			t.Fatalf("%s: entry %+v", tn.Name, e)
		}
		for i, v := range tn.Data {
			if got := binary.LittleEndian.Uint32(data[e.Offsets[0]+4*i:]); got != math.Float32bits(v) {
				t.Fatalf("%s[%d] stored as %#x", tn.Name, i, got)
			}
		}
	}
}

func TestRejectsDamage(t *testing.T) {
	ts, meta := sample()
	good, _ := encode(ts, meta)
	n := int(binary.LittleEndian.Uint64(good))
	setHeader := func(h string) []byte {
		for len(h)%8 != 0 {
			h += " "
		}
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
		return append(append(b, h...), good[8+n:]...)
	}
	header := string(good[8 : 8+n])
	cases := map[string][]byte{
		"empty":          nil,
		"short":          good[:5],
		"header cut":     good[:8+n/2],
		"data cut":       good[:len(good)-4],
		"trailing bytes": append(slices.Clone(good), 0, 0, 0, 0),
		"flipped data":   func() []byte { b := slices.Clone(good); b[len(b)-1] ^= 1; return b }(),
		"flipped header": func() []byte { b := slices.Clone(good); b[9] = '!'; return b }(),
		"huge header":    append(binary.LittleEndian.AppendUint64(nil, 1<<62), good[8:]...),
		"not json":       setHeader("not json at all"),
		"bad dtype":      setHeader(strings.Replace(header, `"F32"`, `"F16"`, 1)),
		"no checksum":    setHeader(strings.Replace(header, `"checksum"`, `"checksun"`, 1)),
		"bad offsets":    setHeader(strings.Replace(header, `"data_offsets":[0,`, `"data_offsets":[4,`, 1)),
	}
	for name, b := range cases {
		if _, _, err := Parse("m.safetensors", b); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.HasPrefix(err.Error(), "m.safetensors: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q should be one line naming the file", name, err)
		}
	}
}

func TestFailedWriteKeepsOldFile(t *testing.T) {
	ts, meta := sample()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := Write(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)
	bad := []Tensor{{"x", []int{2}, []float32{1}}} // shape and data disagree
	if err := Write(path, bad, meta); err == nil {
		t.Fatal("a tensor whose shape does not match its data was written")
	}
	if err := Write(dir, ts, meta); err == nil {
		t.Fatal("wrote over a directory")
	}
	now, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if !bytes.Equal(old, now) || len(entries) != 1 {
		t.Fatalf("failed writes changed the checkpoint or left %d files", len(entries))
	}
}

// TestKillDuringWrite SIGKILLs a process that rewrites a large checkpoint in a
// loop: whenever it dies, the file must still read back whole.
func TestKillDuringWrite(t *testing.T) {
	if os.Getenv("CHECKPOINT_WRITER") != "" {
		writeForever(os.Getenv("CHECKPOINT_WRITER"))
		return
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringWrite$")
		cmd.Env = append(os.Environ(), "CHECKPOINT_WRITER="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+37*round) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		if _, err := os.Stat(path); err != nil {
			continue // killed before the first rename
		}
		if _, _, err := Read(path); err != nil {
			t.Fatalf("round %d: after SIGKILL: %v", round, err)
		}
	}
}

func writeForever(path string) {
	big := make([]float32, 1<<20)
	for i := 0; ; i++ {
		for j := range big {
			big[j] = float32(i + j)
		}
		Write(path, []Tensor{{"big", []int{len(big)}, big}}, map[string]string{"i": "x"})
	}
}

func FuzzParse(f *testing.F) {
	ts, meta := sample()
	good, _ := encode(ts, meta)
	f.Add(good)
	f.Add(good[:20])
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, md, err := Parse("fuzz", b)
		if err != nil {
			return
		}
		sum := md[ChecksumKey]
		delete(md, ChecksumKey) // encode sets it
		again, err := encode(got, md)
		if err != nil {
			t.Fatalf("re-encoding an accepted file: %v", err)
		}
		back, backMeta, err := Parse("fuzz", again)
		if err != nil || len(back) != len(got) {
			t.Fatalf("re-parsing: %v", err)
		}
		if !strings.EqualFold(backMeta[ChecksumKey], sum) {
			t.Fatalf("checksum %s after the round trip, %s before", backMeta[ChecksumKey], sum)
		}
		for i := range got {
			if back[i].Name != got[i].Name || !slices.Equal(back[i].Shape, got[i].Shape) || len(back[i].Data) != len(got[i].Data) {
				t.Fatalf("tensor %d changed on the round trip", i)
			}
		}
	})
}
