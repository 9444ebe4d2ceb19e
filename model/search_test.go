package model

import "testing"

func TestMatcher(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q, s string
		want int
	}{
		{"err", "npm ERR! code", 4},
		{"ERR", "an error then ERR", 14},
		{"Err", "error", -1},
		{"wörld", "Hello WÖRLD", 6},
		{"", "x", -1},
		{"x", "", -1},
	}
	for _, tt := range tests {
		if got := NewMatcher(tt.q).Index(tt.s, 0); got != tt.want {
			t.Errorf("%q in %q: %d, want %d", tt.q, tt.s, got, tt.want)
		}
	}
}

func TestLooksLikeError(t *testing.T) {
	t.Parallel()
	yes := []string{"npm ERR! code ELIFECYCLE", "✘ [ERROR] Could not resolve", "Error: boom", "Build failed", "Process exited with code 2", "exit status 1", "TypeError: x"}
	no := []string{"added 10 packages", "exit code 0", "Success: Build command completed", "compiled with 0 errors"}
	for _, s := range yes {
		if !LooksLikeError(s) {
			t.Errorf("%q should look like an error", s)
		}
	}
	for _, s := range no {
		if LooksLikeError(s) {
			t.Errorf("%q should not look like an error", s)
		}
	}
}
