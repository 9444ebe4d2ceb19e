package logview

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/cfbuilds/cfbuilds/tui/nav"
)

// KeyMap is the log pane's keys: moving, and the log's own.
type KeyMap struct {
	nav.KeyMap

	Search, Next, Prev, FilterMatches, Follow, Wrap, Timestamps, NextError, PrevError, FirstError, NextPhase, PrevPhase, Save, Left, Right key.Binding
}

// DefaultKeyMap is the README's key table for the log pane.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		KeyMap:        nav.DefaultKeyMap(),
		Search:        b("/", "search", "/"),
		Next:          b("n", "next match", "n"),
		Prev:          b("N", "previous match", "N"),
		FilterMatches: b("&", "only matches", "&"),
		Follow:        b("F", "follow", "F"),
		Wrap:          b("w", "wrap", "w"),
		Timestamps:    b("t", "timestamps", "t"),
		NextError:     b("e", "next error", "e"),
		PrevError:     b("E", "previous error", "E"),
		FirstError:    b("f", "why it failed", "f"),
		NextPhase:     b("]", "next phase", "]"),
		PrevPhase:     b("[", "previous phase", "["),
		Save:          b("ctrl+s", "save log", "ctrl+s"),
		Left:          b("h/←", "scroll left", "h", "left"),
		Right:         b("l/→", "scroll right", "l", "right"),
	}
}

// Actions names each binding for configuration ([keys] in the file).
func (k *KeyMap) Actions() map[string]*key.Binding {
	acts := k.KeyMap.Actions()
	for name, b := range map[string]*key.Binding{
		"search": &k.Search, "next_match": &k.Next, "prev_match": &k.Prev, "only_matches": &k.FilterMatches,
		"follow": &k.Follow, "wrap": &k.Wrap, "timestamps": &k.Timestamps, "next_error": &k.NextError,
		"prev_error": &k.PrevError, "first_error": &k.FirstError, "next_phase": &k.NextPhase, "prev_phase": &k.PrevPhase, "save": &k.Save, "scroll_left": &k.Left, "scroll_right": &k.Right,
	} {
		acts[name] = b
	}
	return acts
}

// ShortHelp is the pane's most used keys.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Search, k.Follow, k.NextError, k.Save}
}

// FullHelp is every key of the pane: moving, then the log's own.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		k.Bindings(),
		{k.Search, k.Next, k.Prev, k.FilterMatches, k.Follow, k.Wrap, k.Timestamps, k.NextError, k.PrevError, k.FirstError, k.NextPhase, k.PrevPhase, k.Save, k.Left, k.Right},
	}
}

// SaveMsg asks the root to save the whole log (it owns the file system).
type SaveMsg struct{}
