// Package checkpoint reads and writes safetensors files
// (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header, then the raw little-endian tensor data.
//
// Writes are atomic, and the metadata carries a sha256 checksum of the data so
// that Read notices a damaged file instead of loading garbage weights.
package checkpoint

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/makemore/makemore/internal/fileio"
	"github.com/makemore/makemore/internal/plural"
)

// Tensor is one named float32 tensor.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32 // len == product of Shape
}

const (
	// ChecksumKey is the metadata key of the sha256 of the data section:
	// "sha256:<hex>". It names the numbers a file holds, whatever its other
	// metadata, so golden tests compare it.
	ChecksumKey = "checksum"
	metadataKey = "__metadata__"

	// maxHeader is the limit the reference implementation enforces; a longer
	// header means the file is not safetensors, and we should not allocate for it.
	maxHeader = 100 << 20
)

// entry is a tensor's header record. Write needs the field order fixed for
// deterministic output; Parse decodes entries by hand to be as strict as the
// reference implementation.
type entry struct {
	Dtype   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// encode returns the bytes of the file Write stores.
func encode(tensors []Tensor, meta map[string]string) ([]byte, error) {
	if _, ok := meta[ChecksumKey]; ok {
		return nil, fmt.Errorf("metadata key %q is reserved for the checksum", ChecksumKey)
	}
	header := make(map[string]any, len(tensors)+1)
	var data []byte
	for _, t := range tensors {
		if t.Name == metadataKey || !utf8.ValidString(t.Name) {
			return nil, fmt.Errorf("tensor name %q is not allowed in safetensors", t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return nil, fmt.Errorf("tensor %q appears twice", t.Name)
		}
		if n, ok := elements(t.Shape, len(t.Data)); !ok || n != len(t.Data) {
			return nil, fmt.Errorf("tensor %q: shape %v does not hold its %d values", t.Name, t.Shape, len(t.Data))
		}
		begin := int64(len(data))
		for _, v := range t.Data {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
		// A nil shape would encode as null; a scalar is [].
		shape := append([]int{}, t.Shape...)
		header[t.Name] = entry{"F32", shape, [2]int64{begin, int64(len(data))}}
	}
	md := make(map[string]string, len(meta)+1)
	for k, v := range meta {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, fmt.Errorf("metadata %q is not valid UTF-8", k)
		}
		md[k] = v
	}
	sum := sha256.Sum256(data)
	md[ChecksumKey] = "sha256:" + hex.EncodeToString(sum[:])
	header[metadataKey] = md

	h, err := json.Marshal(header) // sorts map keys, so equal inputs give equal bytes
	if err != nil {
		return nil, err
	}
	// Trailing spaces are allowed by the spec; aligned data can be memory-mapped as float32.
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := make([]byte, 0, 8+len(h)+len(data))
	out = binary.LittleEndian.AppendUint64(out, uint64(len(h)))
	out = append(out, h...)
	return append(out, data...), nil
}

// elements returns the product of shape, and false if a dimension is negative
// or the product exceeds limit (which also rules out overflow).
func elements(shape []int, limit int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d > 0 && n > limit/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// Write stores tensors (in the given order) and metadata at path atomically: a
// temporary file in the same directory, fsync, rename over path, fsync the
// directory. A crash at any point leaves either the old file or the new one,
// never a partial file. It adds a metadata key "checksum" = "sha256:<hex>" over
// the data section (caller must not set that key).
func Write(path string, tensors []Tensor, meta map[string]string) error {
	b, err := encode(tensors, meta)
	if err != nil {
		return fmt.Errorf("%s: cannot save: %v", path, err)
	}
	if err := fileio.WriteAtomic(path, b); err != nil {
		return fmt.Errorf("%s: cannot save the checkpoint: %v; check that the directory exists, is writable and has free space", path, fileio.Cause(err))
	}
	return nil
}

// Read loads a file written by Write (or any F32 safetensors file carrying a
// matching checksum). Returned tensors are in file order; the verified
// checksum stays in the metadata under ChecksumKey.
func Read(path string) ([]Tensor, map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: cannot read the checkpoint: %v; check the path, or train a model first", path, fileio.Cause(err))
	}
	return Parse(path, b)
}

// Parse is Read on bytes already in memory; name is used in error messages.
func Parse(name string, b []byte) ([]Tensor, map[string]string, error) {
	fail := func(format string, args ...any) ([]Tensor, map[string]string, error) {
		return nil, nil, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
	}
	const damaged = "the file is damaged or not a safetensors checkpoint; check the path, or restore it from a backup"

	if len(b) < 8 {
		return fail("only %s, too short for a safetensors header: %s", plural.Count(len(b), "byte"), damaged)
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeader {
		return fail("header length %d is over the 100 MiB limit: %s", n, damaged)
	}
	if n > uint64(len(b)-8) {
		return fail("header length %d runs past the end of the %d-byte file: %s", n, len(b), damaged)
	}
	h, data := b[8:8+n], b[8+n:]
	// encoding/json would quietly replace invalid UTF-8; the reference
	// implementation rejects it.
	if !utf8.Valid(h) {
		return fail("header is not valid UTF-8: %s", damaged)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(h, &raw); err != nil || raw == nil {
		return fail("header is not a JSON object: %s", damaged)
	}

	meta := map[string]string{}
	if m, ok := raw[metadataKey]; ok {
		if err := json.Unmarshal(m, &meta); err != nil || meta == nil {
			return fail("%s is not a map of strings to strings: %s", metadataKey, damaged)
		}
		delete(raw, metadataKey)
	}

	type located struct {
		Tensor
		begin, end int64
	}
	tensors := make([]located, 0, len(raw))
	for tn, r := range raw {
		e, err := decodeEntry(r)
		if err != nil {
			return fail("tensor %q: %v: %s", tn, err, damaged)
		}
		if e.Dtype != "F32" {
			return fail("tensor %q has dtype %q, but only F32 is supported; convert the checkpoint to float32", tn, e.Dtype)
		}
		begin, end := e.Offsets[0], e.Offsets[1]
		if begin < 0 || end < begin || end > int64(len(data)) {
			return fail("tensor %q: data_offsets %v lie outside the %d-byte data section: %s", tn, e.Offsets, len(data), damaged)
		}
		count, ok := elements(e.Shape, len(data)/4)
		if !ok || int64(count)*4 != end-begin {
			return fail("tensor %q: shape %v does not match data_offsets %v: %s", tn, e.Shape, e.Offsets, damaged)
		}
		tensors = append(tensors, located{Tensor{Name: tn, Shape: e.Shape}, begin, end})
	}

	// Ties on begin are empty tensors; ordering them by name keeps the result
	// independent of map iteration.
	slices.SortFunc(tensors, func(a, b located) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), strings.Compare(a.Name, b.Name))
	})
	var end int64
	out := make([]Tensor, len(tensors))
	for i, t := range tensors {
		if t.begin != end {
			return fail("tensor %q starts at byte %d of the data, but the previous tensor ends at %d (overlap or gap): %s", t.Name, t.begin, end, damaged)
		}
		end = t.end
		t.Data = make([]float32, (t.end-t.begin)/4)
		for j := range t.Data {
			t.Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(data[t.begin+4*int64(j):]))
		}
		out[i] = t.Tensor
	}
	if end != int64(len(data)) {
		return fail("%s after the last tensor: %s", plural.Count(int64(len(data))-end, "trailing byte"), damaged)
	}

	want, ok := meta[ChecksumKey]
	if !ok {
		return fail("no makemore checksum in the metadata: not a checkpoint written by makemore train; pass the work dir of a makemore model")
	}
	sum := sha256.Sum256(data)
	if got := "sha256:" + hex.EncodeToString(sum[:]); !strings.EqualFold(got, want) {
		return fail("checksum mismatch: the file is corrupted or truncated; retrain or restore it from a backup")
	}
	return out, meta, nil
}

// decodeEntry decodes one tensor record. encoding/json matches struct fields
// case-insensitively and ignores extra array elements, so it reads the fields
// one by one to accept exactly what the spec allows.
func decodeEntry(r json.RawMessage) (entry, error) {
	var e entry
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(r, &fields); err != nil || fields == nil {
		return e, errors.New("header entry is not a JSON object")
	}
	var offsets []int64
	if len(fields) != 3 ||
		json.Unmarshal(fields["dtype"], &e.Dtype) != nil ||
		json.Unmarshal(fields["shape"], &e.Shape) != nil || e.Shape == nil ||
		json.Unmarshal(fields["data_offsets"], &offsets) != nil || len(offsets) != 2 {
		return e, errors.New(`header entry must have exactly "dtype", "shape" and "data_offsets" [begin, end]`)
	}
	e.Offsets = [2]int64{offsets[0], offsets[1]}
	return e, nil
}
