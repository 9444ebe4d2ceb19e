// Package rebuild is the dialog that asks before a build is run again: it
// names the Worker, branch and commit, shows the trigger's build and deploy
// commands as they are now (a manual build runs with today's settings) and
// says which changed since. y rebuilds, p empties the build cache first,
// anything else keeps things as they are (the default is No).
package rebuild

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/fit"
)

// KeyMap is the dialog's keys; any other key is No.
type KeyMap struct {
	Yes, Purge key.Binding
}

// DefaultKeyMap rebuilds with y, and purges the cache first with p.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Yes:   key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "rebuild")),
		Purge: key.NewBinding(key.WithKeys("p", "P"), key.WithHelp("p", "empty the build cache, then rebuild")),
	}
}

// ShortHelp is the dialog's keys.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Yes, k.Purge} }

// FullHelp is the dialog's keys.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{{k.Yes, k.Purge}} }

// ConfirmedMsg says the user confirmed: send the one POST (after a purge).
type ConfirmedMsg struct {
	Build   model.Build
	Trigger model.Trigger
	Purge   bool
}

// AbortedMsg says the user kept things as they are.
type AbortedMsg struct{}

// Model is the dialog for one build.
type Model struct {
	st      *styles.Styles
	keys    KeyMap
	build   model.Build
	trigger model.Trigger // as it is now
	sent    bool
	err     string
	w       int
}

// New asks about rebuilding b with trigger t (its settings of now).
func New(st *styles.Styles, keys KeyMap, b model.Build, t model.Trigger) Model {
	return Model{st: st, keys: keys, build: b, trigger: t}
}

// SetSize sets the screen width the dialog fits.
func (d *Model) SetSize(w int) { d.w = w }

// Failed shows an error and lets the user try again.
func (d *Model) Failed(err string) { d.err, d.sent = err, false }

// Err is the last failure shown.
func (d Model) Err() string { return d.err }

// Update answers a key: once, then it waits for the answer.
func (d Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || d.sent {
		return d, nil
	}
	b, t := d.build, d.trigger
	switch {
	case key.Matches(km, d.keys.Yes), key.Matches(km, d.keys.Purge):
		purge := key.Matches(km, d.keys.Purge)
		d.sent, d.err = true, ""
		return d, func() tea.Msg { return ConfirmedMsg{Build: b, Trigger: t, Purge: purge} }
	}
	return d, func() tea.Msg { return AbortedMsg{} }
}

// View is the dialog box, or its plain lines when the screen is too narrow.
func (d Model) View() string {
	b, t, ell := d.build, d.trigger, d.st.Ellipsis()
	row := func(name, now, was string) string {
		s := name + fit.Truncate(model.SanitizeInline(orDash(now)), 40, ell)
		if was != "" && was != now {
			s += d.st.Warning.Render("  (changed: it ran " + fit.Truncate(model.SanitizeInline(was), 30, ell) + ")")
		}
		return s
	}
	lines := []string{
		d.st.Warning.Render("Build this again?"),
		"",
		"Worker   " + model.SanitizeInline(b.WorkerName),
		"Branch   " + model.SanitizeInline(b.Meta.Branch),
		"Commit   " + model.SanitizeInline(b.ShortCommit()) + " " + fit.Truncate(model.SanitizeInline(b.CommitTitle()), 40, ell),
		row("Build    ", t.BuildCommand, b.Meta.BuildCommand),
		row("Deploy   ", t.DeployCommand, b.Meta.DeployCommand),
		d.st.Muted.Render("a manual build runs with the trigger's settings of now"),
		"",
	}
	if d.sent {
		lines = append(lines, "starting"+ell)
	} else {
		lines = append(lines, d.st.Key.Render("y")+" rebuild   "+d.st.Key.Render("p")+" empty the cache, then rebuild   "+
			d.st.Key.Render("any other key")+" no")
	}
	if d.err != "" {
		lines = append(lines, d.st.Error.Render(fit.Truncate(d.err, 60, ell)))
	}
	return d.st.DialogBox(lines, d.w)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
