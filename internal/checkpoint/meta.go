package checkpoint

import (
	"math"
	"strconv"
)

// MetaReader reads typed values from a checkpoint's string metadata and
// remembers the keys that were missing or malformed, so that one error can
// name them all.
type MetaReader struct {
	kv  map[string]string
	Bad []string // keys that could not be read, in the order asked
}

// NewMetaReader reads from kv.
func NewMetaReader(kv map[string]string) *MetaReader { return &MetaReader{kv: kv} }

// Int is the value of key as an int of at least 0.
func (r *MetaReader) Int(key string) int {
	v, err := strconv.Atoi(r.kv[key])
	if err != nil || v < 0 {
		r.Bad = append(r.Bad, key)
	}
	return v
}

// Uint64 is the value of key as a uint64.
func (r *MetaReader) Uint64(key string) uint64 {
	v, err := strconv.ParseUint(r.kv[key], 10, 64)
	if err != nil {
		r.Bad = append(r.Bad, key)
	}
	return v
}

// Positive is the value of key as a finite float64 above 0.
func (r *MetaReader) Positive(key string) float64 {
	v, err := strconv.ParseFloat(r.kv[key], 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		r.Bad = append(r.Bad, key)
	}
	return v
}

// NonNegative is the value of key as a finite float64 of at least 0.
func (r *MetaReader) NonNegative(key string) float64 {
	v, err := strconv.ParseFloat(r.kv[key], 64)
	if err != nil || !(v >= 0) || math.IsInf(v, 0) {
		r.Bad = append(r.Bad, key)
	}
	return v
}

// Bool is the value of key as "true" or "false".
func (r *MetaReader) Bool(key string) bool {
	v := r.kv[key]
	if v != "true" && v != "false" {
		r.Bad = append(r.Bad, key)
	}
	return v == "true"
}

// String is the value of key, which must be there and not empty.
func (r *MetaReader) String(key string) string {
	if r.kv[key] == "" {
		r.Bad = append(r.Bad, key)
	}
	return r.kv[key]
}
