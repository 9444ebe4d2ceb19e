package detail

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/cfbuilds/cfbuilds/tui/nav"
)

// KeyMap is the detail pane's keys: it only scrolls.
type KeyMap struct {
	nav.KeyMap
}

// DefaultKeyMap is the README's key table for the detail pane.
func DefaultKeyMap() KeyMap { return KeyMap{nav.DefaultKeyMap()} }

// Actions names each binding for configuration ([keys] in the file).
func (k *KeyMap) Actions() map[string]*key.Binding { return k.KeyMap.Actions() }

// ShortHelp is the pane's most used keys.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down} }

// FullHelp is every key of the pane.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.Bindings()} }
