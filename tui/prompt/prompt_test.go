package prompt

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

func keys(p Model, ks ...tea.KeyMsg) Model {
	for _, k := range ks {
		p, _ = p.Update(k)
	}
	return p
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// The last query opens selected: typing replaces it, backspace clears it,
// an arrow keeps it to edit (#25.14).
func TestOpensWithTheLastQuerySelected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		keys []tea.KeyMsg
		want string
	}{
		{"typing replaces", []tea.KeyMsg{runes("c"), runes("hunk")}, "chunk"},
		{"backspace clears", []tea.KeyMsg{{Type: tea.KeyBackspace}}, ""},
		{"an arrow keeps it", []tea.KeyMsg{{Type: tea.KeyLeft}, runes("x")}, "chunxk"},
		{"untouched", nil, "chunk"},
	} {
		p := New("/", 64, lipgloss.NewStyle())
		p.Open("chunk")
		if got := keys(p, tc.keys...).Value(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	p := New("/", 64, lipgloss.NewStyle())
	p.Open("")
	if got := keys(p, runes("ab")).Value(); got != "ab" {
		t.Errorf("an empty prompt: %q", got)
	}
}
