// Package nav is the keys that move a selection or scroll, shared by the
// panes that move: each pane's KeyMap embeds one, so rebinding "down"
// changes it wherever it moves.
package nav

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// KeyMap moves and scrolls.
type KeyMap struct {
	Up, Down, Top, Bottom, HalfUp, HalfDown, PageUp, PageDown key.Binding
}

// DefaultKeyMap is the README's key table: vi keys and their plain equivalents.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b("k/↑", "up", "k", "up"),
		Down:     b("j/↓", "down", "j", "down"),
		Top:      b("g/home", "top", "g", "home"),
		Bottom:   b("G/end", "bottom", "G", "end"),
		HalfUp:   b("ctrl+u", "half page up", "ctrl+u"),
		HalfDown: b("ctrl+d", "half page down", "ctrl+d"),
		PageUp:   b("pgup", "page up", "pgup"),
		PageDown: b("pgdn", "page down", "pgdown"),
	}
}

// Actions names each binding for configuration ([keys] in the file).
func (k *KeyMap) Actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "top": &k.Top, "bottom": &k.Bottom,
		"half_up": &k.HalfUp, "half_down": &k.HalfDown, "page_up": &k.PageUp, "page_down": &k.PageDown,
	}
}

// Bindings is every binding, in the order help lists them.
func (k KeyMap) Bindings() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.HalfUp, k.HalfDown, k.PageUp, k.PageDown}
}

// Scroll is where a scroll offset goes for a key: a line, half a page, a
// page, the top or the bottom (last, the largest offset); ok is false for
// a key that does not move. The overlays that scroll (help, compare,
// stats) share it.
func (k KeyMap) Scroll(km tea.KeyMsg, offset, page, last int) (int, bool) {
	switch {
	case key.Matches(km, k.Down):
		offset++
	case key.Matches(km, k.Up):
		offset--
	case key.Matches(km, k.HalfDown):
		offset += page / 2
	case key.Matches(km, k.HalfUp):
		offset -= page / 2
	case key.Matches(km, k.PageDown):
		offset += page
	case key.Matches(km, k.PageUp):
		offset -= page
	case key.Matches(km, k.Top):
		offset = 0
	case key.Matches(km, k.Bottom):
		offset = last
	default:
		return offset, false
	}
	return min(max(offset, 0), last), true
}
