package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/cfbuilds/cfbuilds/model"
)

// GlobalKeys work in every pane.
type GlobalKeys struct {
	Quit, Help, NextPane, PrevPane, Refresh, Cancel, Open, ActiveOnly, CopyUUID, CopyURL, OpenURL, Back key.Binding
}

// NavKeys move a selection or scroll, in the list and in the log.
type NavKeys struct {
	Up, Down, Top, Bottom, HalfUp, HalfDown, PageUp, PageDown key.Binding
}

// LogKeys are the log pane's own.
type LogKeys struct {
	Search, Next, Prev, FilterMatches, Follow, Wrap, Timestamps, NextError, PrevError, Save, Left, Right key.Binding
}

// ListKeys are the build list's own.
type ListKeys struct {
	Filter key.Binding
}

// KeyMap is every binding, by pane.
type KeyMap struct {
	Global GlobalKeys
	Nav    NavKeys
	Log    LogKeys
	List   ListKeys
}

// DefaultKeyMap is DESIGN.md's table: one key, one meaning, everywhere.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Global: GlobalKeys{
			Quit:       b("q", "quit", "q", "ctrl+c"),
			Help:       b("?", "help", "?"),
			NextPane:   b("tab", "next pane", "tab"),
			PrevPane:   b("shift+tab", "previous pane", "shift+tab"),
			Refresh:    b("r", "refresh", "r"),
			Cancel:     b("c", "cancel build", "c"),
			Open:       b("enter", "open log", "enter"),
			ActiveOnly: b("a", "active only", "a"),
			CopyUUID:   b("y", "copy uuid", "y"),
			CopyURL:    b("Y", "copy URL", "Y"),
			OpenURL:    b("o", "open in browser", "o"),
			Back:       b("esc", "back/clear", "esc"),
		},
		Nav: NavKeys{
			Up:       b("k/↑", "up", "k", "up"),
			Down:     b("j/↓", "down", "j", "down"),
			Top:      b("g/home", "top", "g", "home"),
			Bottom:   b("G/end", "bottom", "G", "end"),
			HalfUp:   b("ctrl+u", "half page up", "ctrl+u"),
			HalfDown: b("ctrl+d", "half page down", "ctrl+d"),
			PageUp:   b("pgup", "page up", "pgup"),
			PageDown: b("pgdn", "page down", "pgdown"),
		},
		Log: LogKeys{
			Search:        b("/", "search", "/"),
			Next:          b("n", "next match", "n"),
			Prev:          b("N", "previous match", "N"),
			FilterMatches: b("&", "only matches", "&"),
			Follow:        b("F", "follow", "F"),
			Wrap:          b("w", "wrap", "w"),
			Timestamps:    b("t", "timestamps", "t"),
			NextError:     b("e", "next error", "e"),
			PrevError:     b("E", "previous error", "E"),
			Save:          b("ctrl+s", "save log", "ctrl+s"),
			Left:          b("h/←", "scroll left", "h", "left"),
			Right:         b("l/→", "scroll right", "l", "right"),
		},
		List: ListKeys{
			Filter: b("/", "filter", "/"),
		},
	}
}

// actions names every binding for configuration ([keys] in the file).
func (k *KeyMap) actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"quit": &k.Global.Quit, "help": &k.Global.Help, "next_pane": &k.Global.NextPane, "prev_pane": &k.Global.PrevPane,
		"refresh": &k.Global.Refresh, "cancel": &k.Global.Cancel, "open": &k.Global.Open, "active_only": &k.Global.ActiveOnly,
		"copy_uuid": &k.Global.CopyUUID, "copy_url": &k.Global.CopyURL, "open_url": &k.Global.OpenURL, "back": &k.Global.Back,
		"up": &k.Nav.Up, "down": &k.Nav.Down, "top": &k.Nav.Top, "bottom": &k.Nav.Bottom,
		"half_up": &k.Nav.HalfUp, "half_down": &k.Nav.HalfDown, "page_up": &k.Nav.PageUp, "page_down": &k.Nav.PageDown,
		"search": &k.Log.Search, "next_match": &k.Log.Next, "prev_match": &k.Log.Prev, "only_matches": &k.Log.FilterMatches,
		"follow": &k.Log.Follow, "wrap": &k.Log.Wrap, "timestamps": &k.Log.Timestamps, "next_error": &k.Log.NextError,
		"prev_error": &k.Log.PrevError, "save": &k.Log.Save, "scroll_left": &k.Log.Left, "scroll_right": &k.Log.Right,
		"filter": &k.List.Filter,
	}
}

// KeyActions lists the action names [keys] accepts.
func KeyActions() []string {
	k := DefaultKeyMap()
	var out []string
	for name := range k.actions() {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Rebind applies [keys] from the configuration: action → keys; an empty list
// unbinds. Cancel may not go on a control key: nothing destructive sits there.
func (k *KeyMap) Rebind(cfg map[string][]string) error {
	acts := k.actions()
	for name, keys := range cfg {
		b, ok := acts[name]
		if !ok {
			return fmt.Errorf("unknown key action %q (actions: %s)", name, strings.Join(KeyActions(), ", "))
		}
		if len(keys) == 0 {
			b.SetEnabled(false)
			continue
		}
		if name == "cancel" {
			for _, kk := range keys {
				if strings.HasPrefix(kk, "ctrl+") {
					return fmt.Errorf("cancel cannot be bound to %q: no destructive action sits on a control key", kk)
				}
			}
		}
		b.SetKeys(keys...)
		// Key names come from a file: shown in help, so sanitized.
		b.SetHelp(model.SanitizeInline(strings.Join(keys, "/")), b.Help().Desc)
	}
	return nil
}

// ValidateKeys checks a [keys] table without applying it.
func ValidateKeys(cfg map[string][]string) error {
	k := DefaultKeyMap()
	return k.Rebind(cfg)
}

// ShortHelp is the status bar's hint.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Global.Help, k.Global.NextPane, k.Global.Cancel, k.Global.Quit}
}

// FullHelp is the help screen, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	g, n, l := k.Global, k.Nav, k.Log
	return [][]key.Binding{
		{n.Up, n.Down, n.Top, n.Bottom, n.HalfUp, n.HalfDown, n.PageUp, n.PageDown},
		{g.NextPane, g.PrevPane, g.Open, g.Cancel, g.Refresh, g.ActiveOnly, k.List.Filter, g.CopyUUID, g.CopyURL, g.OpenURL, g.Back, g.Help, g.Quit},
		{l.Search, l.Next, l.Prev, l.FilterMatches, l.Follow, l.Wrap, l.Timestamps, l.NextError, l.PrevError, l.Save, l.Left, l.Right},
	}
}
