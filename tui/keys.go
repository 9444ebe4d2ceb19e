package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/buildlist"
	"github.com/cfbuilds/cfbuilds/tui/confirm"
	"github.com/cfbuilds/cfbuilds/tui/detail"
	"github.com/cfbuilds/cfbuilds/tui/helpview"
	"github.com/cfbuilds/cfbuilds/tui/logview"
)

// GlobalKeys work in every pane; the root handles them.
type GlobalKeys struct {
	Quit, Help, NextPane, PrevPane, Refresh, Cancel, Rebuild, BuildBranch, Open, ActiveOnly, CopyUUID, CopyURL, OpenURL, Back, LastError, Mark, Compare, Stats key.Binding
}

// KeyMap is every binding: the root's own and each pane's.
type KeyMap struct {
	Global GlobalKeys
	List   buildlist.KeyMap
	Detail detail.KeyMap
	Log    logview.KeyMap
}

// DefaultKeyMap is the README's key table: one key, one meaning, everywhere.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Global: GlobalKeys{
			Quit:        b("q", "quit", "q", "ctrl+c"),
			Help:        b("?", "help", "?"),
			NextPane:    b("tab", "next pane", "tab"),
			PrevPane:    b("shift+tab", "previous pane", "shift+tab"),
			Refresh:     b("r", "refresh", "r"),
			Cancel:      b("c", "cancel build", "c"),
			Rebuild:     b("R", "rebuild", "R"),
			BuildBranch: b("B", "build a branch", "B"),
			Open:        b("enter", "open log", "enter"),
			ActiveOnly:  b("a", "active only", "a"),
			CopyUUID:    b("y", "copy uuid", "y"),
			CopyURL:     b("Y", "copy URL", "Y"),
			OpenURL:     b("o", "open in browser", "o"),
			Back:        b("esc", "back/clear", "esc"),
			LastError:   b("!", "last error and message in full", "!"),
			Mark:        b("m", "mark to compare", "m"),
			Compare:     b("d", "compare builds", "d"),
			Stats:       b("S", "build stats", "S"),
		},
		List:   buildlist.DefaultKeyMap(),
		Detail: detail.DefaultKeyMap(),
		Log:    logview.DefaultKeyMap(),
	}
}

func (g *GlobalKeys) actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"quit": &g.Quit, "help": &g.Help, "next_pane": &g.NextPane, "prev_pane": &g.PrevPane,
		"refresh": &g.Refresh, "cancel": &g.Cancel, "rebuild": &g.Rebuild, "build_branch": &g.BuildBranch, "open": &g.Open, "active_only": &g.ActiveOnly,
		"copy_uuid": &g.CopyUUID, "copy_url": &g.CopyURL, "open_url": &g.OpenURL, "back": &g.Back,
		"last_error": &g.LastError, "mark": &g.Mark, "compare": &g.Compare, "stats": &g.Stats,
	}
}

// panes is each pane's bindings by action name, the global keys included:
// what is live while that pane has the focus.
func (k *KeyMap) panes() map[string]map[string]*key.Binding {
	out := map[string]map[string]*key.Binding{}
	for pane, acts := range map[string]map[string]*key.Binding{
		"list": k.List.Actions(), "detail": k.Detail.Actions(), "log": k.Log.Actions(),
	} {
		all := k.Global.actions()
		for name, b := range acts {
			all[name] = b
		}
		out[pane] = all
	}
	return out
}

// KeyActions lists the action names [keys] accepts.
func KeyActions() []string {
	k := DefaultKeyMap()
	seen := map[string]bool{}
	for _, acts := range k.panes() {
		for name := range acts {
			seen[name] = true
		}
	}
	var out []string
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Rebind applies [keys] from the configuration: action → keys; an empty list
// unbinds. An action shared by panes (up, down...) changes in each. It
// refuses a key that would then mean two things in one pane, cancel on a
// control key (nothing destructive sits there), and cancel on a key that
// confirms the cancel dialog.
func (k *KeyMap) Rebind(cfg map[string][]string) error {
	panes := k.panes()
	for name, keys := range cfg {
		found := false
		for _, acts := range panes {
			b, ok := acts[name]
			if !ok {
				continue
			}
			found = true
			if len(keys) == 0 {
				b.SetEnabled(false)
				continue
			}
			b.SetKeys(keys...)
			// Key names come from a file: shown in help, so sanitized.
			b.SetHelp(model.SanitizeInline(strings.Join(keys, "/")), b.Help().Desc)
		}
		if !found {
			return fmt.Errorf("unknown key action %q (actions: %s)", name, strings.Join(KeyActions(), ", "))
		}
		if name == "cancel" {
			for _, kk := range keys {
				if strings.HasPrefix(kk, "ctrl+") {
					return fmt.Errorf("cancel cannot be bound to %q: no destructive action sits on a control key", kk)
				}
				// The dialog's confirm keys: a second press would cancel.
				for _, c := range confirm.DefaultKeyMap().Yes.Keys() {
					if kk == c {
						return fmt.Errorf("cancel cannot be bound to %q: that key confirms the cancel dialog, so pressing it twice would cancel a build", kk)
					}
				}
			}
		}
	}
	return k.checkCollisions()
}

// checkCollisions refuses a key bound to two actions live in one pane: one
// key, one meaning. Top and bottom share g and G in no pane twice, but the
// log's Follow and Bottom both resume following, so they are one meaning.
func (k *KeyMap) checkCollisions() error {
	panes := k.panes()
	var names []string
	for p := range panes {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, pane := range names {
		owner := map[string]string{}
		var acts []string
		for name := range panes[pane] {
			acts = append(acts, name)
		}
		sort.Strings(acts)
		for _, name := range acts {
			b := panes[pane][name]
			if !b.Enabled() {
				continue
			}
			for _, kk := range b.Keys() {
				if other, taken := owner[kk]; taken {
					return fmt.Errorf("key %q is bound to both %s and %s in the %s pane: one key, one meaning", kk, other, name, pane)
				}
				owner[kk] = name
			}
		}
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

// FullHelp is the help screen, one column per group: moving, the
// dashboard's own keys, the log's.
func (k KeyMap) FullHelp() [][]key.Binding {
	g, n, l := k.Global, k.List, k.Log
	return [][]key.Binding{
		{n.Up, n.Down, n.Top, n.Bottom, n.HalfUp, n.HalfDown, n.PageUp, n.PageDown},
		{g.NextPane, g.PrevPane, g.Open, g.Cancel, g.Rebuild, g.BuildBranch, g.Refresh, g.ActiveOnly, n.Filter, g.CopyUUID, g.CopyURL, g.OpenURL, g.Mark, g.Compare, g.Stats, g.LastError, g.Back, g.Help, g.Quit},
		{l.Search, l.Next, l.Prev, l.FilterMatches, l.Follow, l.Wrap, l.Timestamps, l.NextError, l.PrevError, l.FirstError, l.NextPhase, l.PrevPhase, l.Save, l.Left, l.Right},
	}
}

// helpGroups are the help overlay's columns, headed by the part of the
// screen they act on, and a legend of the list's state glyphs. A read-only
// dashboard does not list cancel.
func (k KeyMap) helpGroups(st *styles.Styles, readOnly bool) []helpview.Group {
	heads := []string{"Move and scroll", "Builds and panes", "Log"}
	var out []helpview.Group
	for i, g := range k.FullHelp() {
		var keep []key.Binding
		for _, b := range g {
			if readOnly && (b.Help().Desc == k.Global.Cancel.Help().Desc || b.Help().Desc == k.Global.Rebuild.Help().Desc || b.Help().Desc == k.Global.BuildBranch.Help().Desc) {
				continue
			}
			keep = append(keep, b)
		}
		out = append(out, helpview.Group{Title: heads[i], Keys: keep})
	}
	var legend []key.Binding
	for _, s := range []model.State{model.StateQueued, model.StateInitializing, model.StateRunning, model.StateSucceeded,
		model.StateFailed, model.StateCancelled, model.StateTerminated, model.StateSkipped} {
		g := st.Glyph(s)
		legend = append(legend, key.NewBinding(key.WithKeys(g), key.WithHelp(g, string(s))))
	}
	return append(out, helpview.Group{Title: "States", Keys: legend})
}
