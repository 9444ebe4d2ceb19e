package tui

// Overlays: views drawn over the panes that take every key while they are
// on top: the cancel, rebuild and build-a-branch dialogs, the last error in
// full, a comparison, the help. They stack; the top one draws and takes the
// keys; closing it shows what was under it. The root keeps one stack, not a
// flag or pointer per overlay.

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/buildinput"
	"github.com/cfbuilds/cfbuilds/tui/compare"
	"github.com/cfbuilds/cfbuilds/tui/confirm"
	"github.com/cfbuilds/cfbuilds/tui/fit"
	"github.com/cfbuilds/cfbuilds/tui/helpview"
	"github.com/cfbuilds/cfbuilds/tui/rebuild"
)

// overlayAction is what a key did to its overlay.
type overlayAction int

const (
	overlayStays  overlayAction = iota
	overlayCloses               // pop it
	overlayQuits                // the quit key: end the dashboard
)

// overlay is one view over the panes.
type overlay interface {
	// update takes one key (g: the global keys, for quit and close).
	update(km tea.KeyMsg, g GlobalKeys) (tea.Cmd, overlayAction)
	// view draws it at the body's size.
	view(w, h int) string
	setSize(w, h int)
	// typing reports a text prompt: a burst of runes is its text, whole.
	typing() bool
}

// pushOverlay puts o on top, sized to the body.
func (m *Model) pushOverlay(o overlay) {
	m.overlays = append(m.overlays, o)
	m.resize()
}

// topOverlay is the overlay that has the keys, or nil.
func (m *Model) topOverlay() overlay {
	if len(m.overlays) == 0 {
		return nil
	}
	return m.overlays[len(m.overlays)-1]
}

// closeOverlay removes o wherever it is in the stack (an answer may close
// a dialog that is no longer on top).
func (m *Model) closeOverlay(o overlay) {
	for i, x := range m.overlays {
		if x == o {
			m.overlays = append(m.overlays[:i:i], m.overlays[i+1:]...)
			return
		}
	}
}

// overlayKey gives a key to the top overlay.
func (m *Model) overlayKey(km tea.KeyMsg) (Model, tea.Cmd) {
	o := m.topOverlay()
	cmd, act := o.update(km, m.keys.Global)
	switch act {
	case overlayCloses:
		m.closeOverlay(o)
	case overlayQuits:
		return m.quit()
	}
	return *m, cmd
}

// findOverlay is the topmost overlay of type T, or the zero T.
func findOverlay[T overlay](m *Model) T {
	for i := len(m.overlays) - 1; i >= 0; i-- {
		if o, ok := m.overlays[i].(T); ok {
			return o
		}
	}
	var zero T
	return zero
}

// The overlays' accessors, for the replies that update or close them.
func (m *Model) cancelDialog() *cancelOverlay   { return findOverlay[*cancelOverlay](m) }
func (m *Model) rebuildDialog() *rebuildOverlay { return findOverlay[*rebuildOverlay](m) }
func (m *Model) buildPrompt() *buildOverlay     { return findOverlay[*buildOverlay](m) }
func (m *Model) comparison() *compareOverlay    { return findOverlay[*compareOverlay](m) }

// centred places a dialog in the middle of the body.
func centred(w, h int, view string) string {
	body := lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, view, lipgloss.WithWhitespaceChars(" "))
	return fit.Block(strings.Split(body, "\n"), w, h)
}

// cancelOverlay is the cancel dialog: y confirms, anything else aborts.
type cancelOverlay struct{ confirm.Model }

func (o *cancelOverlay) update(km tea.KeyMsg, _ GlobalKeys) (tea.Cmd, overlayAction) {
	var cmd tea.Cmd
	o.Model, cmd = o.Model.Update(km)
	return cmd, overlayStays // its answer (ConfirmedMsg, AbortedMsg) closes it
}
func (o *cancelOverlay) view(w, h int) string { return centred(w, h, o.View()) }
func (o *cancelOverlay) setSize(w, h int)     { o.SetSize(w, h) }
func (o *cancelOverlay) typing() bool         { return false }

// rebuildOverlay is the rebuild dialog.
type rebuildOverlay struct{ rebuild.Model }

func (o *rebuildOverlay) update(km tea.KeyMsg, _ GlobalKeys) (tea.Cmd, overlayAction) {
	var cmd tea.Cmd
	o.Model, cmd = o.Model.Update(km)
	return cmd, overlayStays
}
func (o *rebuildOverlay) view(w, h int) string { return centred(w, h, o.View()) }
func (o *rebuildOverlay) setSize(w, _ int)     { o.SetSize(w) }
func (o *rebuildOverlay) typing() bool         { return false }

// buildOverlay is the build-a-branch prompt.
type buildOverlay struct{ buildinput.Model }

func (o *buildOverlay) update(km tea.KeyMsg, _ GlobalKeys) (tea.Cmd, overlayAction) {
	var cmd tea.Cmd
	o.Model, cmd = o.Model.Update(km)
	return cmd, overlayStays
}
func (o *buildOverlay) view(w, h int) string { return centred(w, h, o.View()) }
func (o *buildOverlay) setSize(w, _ int)     { o.SetSize(w) }
func (o *buildOverlay) typing() bool         { return true }

// compareOverlay is what d compared; esc or d closes it.
type compareOverlay struct{ compare.Model }

func (o *compareOverlay) update(km tea.KeyMsg, g GlobalKeys) (tea.Cmd, overlayAction) {
	switch {
	case key.Matches(km, g.Quit):
		return nil, overlayQuits
	case key.Matches(km, g.Back), key.Matches(km, g.Compare):
		return nil, overlayCloses
	}
	var cmd tea.Cmd
	o.Model, cmd = o.Model.Update(km)
	return cmd, overlayStays
}
func (o *compareOverlay) view(w, h int) string { o.SetSize(w, h); return o.View() }
func (o *compareOverlay) setSize(w, h int)     { o.SetSize(w, h) }
func (o *compareOverlay) typing() bool         { return false }

// helpOverlay is the help; ? or esc closes it.
type helpOverlay struct{ helpview.Model }

func (o *helpOverlay) update(km tea.KeyMsg, g GlobalKeys) (tea.Cmd, overlayAction) {
	switch {
	case key.Matches(km, g.Quit):
		return nil, overlayQuits
	case key.Matches(km, g.Help), key.Matches(km, g.Back):
		return nil, overlayCloses
	}
	var cmd tea.Cmd
	o.Model, cmd = o.Model.Update(km)
	return cmd, overlayStays
}
func (o *helpOverlay) view(w, h int) string { o.SetSize(w, h); return o.View() }
func (o *helpOverlay) setSize(w, h int)     { o.SetSize(w, h) }
func (o *helpOverlay) typing() bool         { return false }

// errorOverlay is the last error in full; any key closes it.
type errorOverlay struct {
	st   *styles.Styles
	text string
}

func (o *errorOverlay) update(km tea.KeyMsg, g GlobalKeys) (tea.Cmd, overlayAction) {
	if key.Matches(km, g.Quit) {
		return nil, overlayQuits
	}
	return nil, overlayCloses
}

func (o *errorOverlay) view(w, h int) string {
	lines := []string{o.st.Title.Render("What went wrong, and the last message") + o.st.Muted.Render("  (any key closes)"), ""}
	for _, para := range strings.Split(o.text, "\n") {
		for _, l := range strings.Split(ansi.Wrap(para, max(w-2, 10), " "), "\n") {
			lines = append(lines, o.st.Error.Render(l))
		}
	}
	return fit.Block(lines, w, h)
}
func (o *errorOverlay) setSize(int, int) {}
func (o *errorOverlay) typing() bool     { return false }
