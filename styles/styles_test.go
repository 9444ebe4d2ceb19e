package styles

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/cfbuilds/cfbuilds/model"
)

func renderer(p termenv.Profile) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	return r
}

func TestDownsample(t *testing.T) {
	t.Parallel()
	in := "\x1b[38;2;255;0;0mred\x1b[m"
	tests := []struct {
		p    termenv.Profile
		want string
	}{
		{termenv.TrueColor, in},
		{termenv.ANSI256, "\x1b[38;5;196mred\x1b[m"},
		{termenv.ANSI, "\x1b[91mred\x1b[m"},
	}
	for _, tt := range tests {
		if got := New(renderer(tt.p), "auto", false).Downsample(in); got != tt.want {
			t.Errorf("profile %v: %q, want %q", tt.p, got, tt.want)
		}
	}
	if s := New(renderer(termenv.Ascii), "auto", false); s.Colour {
		t.Error("an ASCII profile claims colour")
	}
}

// TestGlyphsDiffer: status is never shown by colour alone.
func TestGlyphsDiffer(t *testing.T) {
	t.Parallel()
	states := []model.State{model.StateQueued, model.StateInitializing, model.StateRunning, model.StateSucceeded,
		model.StateFailed, model.StateSkipped, model.StateCancelled, model.StateTerminated}
	for _, ascii := range []bool{false, true} {
		s := New(renderer(termenv.Ascii), "auto", ascii)
		seen := map[string]model.State{}
		for _, st := range states {
			g := s.Glyph(st)
			if prev, ok := seen[g]; ok {
				t.Errorf("ascii=%v: %s and %s share %q", ascii, prev, st, g)
			}
			seen[g] = st
			if ascii && strings.IndexFunc(g, func(r rune) bool { return r > 127 }) >= 0 {
				t.Errorf("ascii glyph %q is not ASCII", g)
			}
		}
	}
}
