// Package checkpoint reads and writes safetensors files: an 8-byte
// little-endian header length, a JSON header, then little-endian tensor data.
// Writes are atomic and the data carries a sha256 checksum in the metadata.
package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Tensor is one named float32 tensor.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32 // len == product of Shape
}

// checksumKey is the metadata entry Write adds: "sha256:" and the hex digest of the data section.
const checksumKey = "checksum"

// maxHeader bounds the JSON header; a larger length means the file is not ours.
const maxHeader = 100 << 20

type entry struct {
	Dtype   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// Encode returns the file bytes for tensors and meta, adding the checksum.
func Encode(tensors []Tensor, meta map[string]string) ([]byte, error) {
	var data []byte
	header := map[string]any{}
	for _, t := range tensors {
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("tensor %s: shape %v holds %d values, data has %d", t.Name, t.Shape, n, len(t.Data))
		}
		if t.Name == "__metadata__" {
			return nil, fmt.Errorf("tensor name %q is reserved", t.Name)
		}
		begin := int64(len(data))
		for _, v := range t.Data {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
		header[t.Name] = entry{"F32", append([]int{}, t.Shape...), [2]int64{begin, int64(len(data))}}
	}
	md := map[string]string{}
	for k, v := range meta {
		md[k] = v
	}
	sum := sha256.Sum256(data)
	md[checksumKey] = "sha256:" + hex.EncodeToString(sum[:])
	header["__metadata__"] = md
	h, err := json.Marshal(header) // map keys come out sorted: the bytes are deterministic
	if err != nil {
		return nil, err
	}
	for len(h)%8 != 0 { // the spec allows trailing spaces; aligned data can be mapped directly
		h = append(h, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	out = append(out, h...)
	return append(out, data...), nil
}

// Write stores tensors and meta at path atomically: a temporary file in the same
// directory, fsync, rename over path, fsync the directory. A crash at any point
// leaves the old file or the new one, never a partial file.
func Write(path string, tensors []Tensor, meta map[string]string) error {
	b, err := Encode(tensors, meta)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("%s: cannot write the checkpoint: %v", path, unwrap(err))
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: cannot write the checkpoint: %v", path, unwrap(err))
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: cannot write the checkpoint: %v", path, unwrap(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: cannot write the checkpoint: %v", path, unwrap(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: cannot write the checkpoint: %v", path, unwrap(err))
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable
		d.Sync()
		d.Close()
	}
	return nil
}

func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// Read loads and verifies the file at path.
func Read(path string) ([]Tensor, map[string]string, error) {
	fi, err := os.Stat(path)
	if err == nil && fi.IsDir() {
		return nil, nil, fmt.Errorf("%s: is a directory, not a checkpoint", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: cannot read the checkpoint: %v", path, unwrap(err))
	}
	return Parse(path, b)
}

// Parse decodes and verifies the bytes of a checkpoint; name is used in errors.
// Tensors come back in file order.
func Parse(name string, b []byte) ([]Tensor, map[string]string, error) {
	fail := func(format string, args ...any) ([]Tensor, map[string]string, error) {
		return nil, nil, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
	}
	const damaged = "; the file is damaged or not a safetensors checkpoint"
	if len(b) < 8 {
		return fail("%d bytes, too short for a safetensors header%s", len(b), damaged)
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeader || n > uint64(len(b)-8) {
		return fail("header length %d does not fit the %d-byte file: the file is truncated or not a safetensors checkpoint", n, len(b))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		return fail("header is not valid JSON%s", damaged)
	}
	data := b[8+n:]
	meta := map[string]string{}
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &meta); err != nil {
			return fail("__metadata__ is not a map of strings%s", damaged)
		}
		delete(raw, "__metadata__")
	}
	var tensors []Tensor
	var offsets [][2]int64
	for tn, r := range raw {
		var e entry
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return fail("tensor %q: bad header entry%s", tn, damaged)
		}
		if e.Dtype != "F32" {
			return fail("tensor %q has dtype %q; only F32 checkpoints are supported", tn, e.Dtype)
		}
		count := int64(1)
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && count > math.MaxInt32/int64(d)) {
				return fail("tensor %q has an impossible shape %v%s", tn, e.Shape, damaged)
			}
			count *= int64(d)
		}
		if e.Offsets[0] < 0 || e.Offsets[1] < e.Offsets[0] || e.Offsets[1] > int64(len(data)) || e.Offsets[1]-e.Offsets[0] != 4*count {
			return fail("tensor %q: offsets %v do not match its shape %v and the %d data bytes%s", tn, e.Offsets, e.Shape, len(data), damaged)
		}
		tensors = append(tensors, Tensor{Name: tn, Shape: e.Shape})
		offsets = append(offsets, e.Offsets)
	}
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return int(offsets[i][0] - offsets[j][0]) })
	var end int64
	sorted := make([]Tensor, len(tensors))
	for k, i := range order {
		if offsets[i][0] != end {
			return fail("tensor %q does not start where the previous one ends (overlap or gap)%s", tensors[i].Name, damaged)
		}
		end = offsets[i][1]
		t := tensors[i]
		t.Data = make([]float32, (offsets[i][1]-offsets[i][0])/4)
		for j := range t.Data {
			t.Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(data[offsets[i][0]+4*int64(j):]))
		}
		sorted[k] = t
	}
	if end != int64(len(data)) {
		return fail("%d bytes after the last tensor%s", int64(len(data))-end, damaged)
	}
	want, ok := meta[checksumKey]
	if !ok {
		return fail("no checksum in the metadata; it was not written by makemore")
	}
	sum := sha256.Sum256(data)
	if got := "sha256:" + hex.EncodeToString(sum[:]); !strings.EqualFold(got, want) {
		return fail("checksum mismatch: the file is corrupted or truncated; retrain or restore it from a backup")
	}
	delete(meta, checksumKey)
	return sorted, meta, nil
}
