package plural

import "testing"

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 steps"}, {1, "1 step"}, {2, "2 steps"}, {-1, "-1 steps"}} {
		if got := Count(c.n, "step"); got != c.want {
			t.Errorf("Count(%d, step) = %q, want %q", c.n, got, c.want)
		}
	}
	if got := Count(int64(1), "byte"); got != "1 byte" {
		t.Errorf("Count(int64(1), byte) = %q", got)
	}
}
