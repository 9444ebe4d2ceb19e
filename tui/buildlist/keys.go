package buildlist

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/cfbuilds/cfbuilds/tui/nav"
)

// KeyMap is the list pane's keys: moving, and the filter.
type KeyMap struct {
	nav.KeyMap
	Filter key.Binding
}

// DefaultKeyMap is the README's key table for the list pane.
func DefaultKeyMap() KeyMap {
	return KeyMap{KeyMap: nav.DefaultKeyMap(), Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter"))}
}

// Actions names each binding for configuration ([keys] in the file).
func (k *KeyMap) Actions() map[string]*key.Binding {
	acts := k.KeyMap.Actions()
	acts["filter"] = &k.Filter
	return acts
}

// ShortHelp is the pane's most used keys.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down, k.Filter} }

// FullHelp is every key of the pane.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{append(k.Bindings(), k.Filter)} }
