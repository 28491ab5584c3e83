package model

// DropoutMask fills mask with a dropout mask of probability p: each value
// 0 with probability p, else 1/(1 − p). Value i of a mask is a function of
// (noise, site, i) alone — a counter-based hash, SplitMix64's finaliser — so
// that it needs no generator state: a resumed run, another thread count and
// the float64 reference all draw the same masks for the same step (noise)
// and place in the network (site).
func DropoutMask(mask []float32, noise, site uint64, p float64) {
	keep := float32(1 / (1 - p))
	cut := uint64(p * (1 << 32)) // drop when the hash's top 32 bits fall below
	base := noise ^ (site+1)*0x9e3779b97f4a7c15
	for i := range mask {
		z := base + uint64(i)*0xbf58476d1ce4e5b9
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		z ^= z >> 31
		if z>>32 < cut {
			mask[i] = 0
		} else {
			mask[i] = keep
		}
	}
}
