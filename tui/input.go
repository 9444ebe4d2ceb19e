package tui

// Key routing: the dialog and prompts first, then the global keys, then
// the focused pane.

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cfbuilds/cfbuilds/model"
)

func (m *Model) setFocus(p Pane) {
	m.focus = p
	m.list.SetFocused(p == PaneList)
	m.detail.SetFocused(p == PaneDetail)
	m.log.SetFocused(p == PaneLog)
	m.resize()
}

// handleKey takes one key message. Several runes in one message (keys
// typed ahead over SSH, a held key, tmux send-keys) are that many key
// presses, in order, each routed as if it came alone: a "/" among them
// opens the filter and the runes after it are its text.
func (m *Model) handleKey(km tea.KeyMsg) (Model, tea.Cmd) {
	if km.Type != tea.KeyRunes || len(km.Runes) < 2 || km.Paste || m.typing() {
		return m.handleOneKey(km)
	}
	var cmds []tea.Cmd
	for i, r := range km.Runes {
		if m.typing() {
			// The rest is text for the prompt a key just opened.
			rest := tea.KeyMsg{Type: tea.KeyRunes, Runes: km.Runes[i:], Alt: km.Alt}
			_, cmd := m.handleOneKey(rest)
			return *m, tea.Batch(append(cmds, cmd)...)
		}
		_, cmd := m.handleOneKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: km.Alt})
		cmds = append(cmds, cmd)
		if m.quitting {
			break
		}
	}
	return *m, tea.Batch(cmds...)
}

// typing reports whether a text prompt (filter, search) has the keys.
func (m *Model) typing() bool {
	if o := m.topOverlay(); o != nil {
		return o.typing()
	}
	return m.list.Typing() && m.focus == PaneList || m.log.Typing() && m.focus == PaneLog
}

func (m *Model) handleOneKey(km tea.KeyMsg) (Model, tea.Cmd) {
	if km.Type == tea.KeyCtrlC {
		return m.quit()
	}
	if m.topOverlay() != nil {
		return m.overlayKey(km)
	}
	if m.list.Typing() && m.focus == PaneList || m.log.Typing() && m.focus == PaneLog {
		return *m, m.paneKey(km)
	}
	if key.Matches(km, m.keys.Global.Quit) {
		return m.quit()
	}
	if cmd, ok := m.globalKey(km); ok {
		return *m, cmd
	}
	return *m, m.paneKey(km)
}

// globalKey runs a key that means the same in every pane; ok is false for
// a key that is not one (the focused pane's, then).
func (m *Model) globalKey(km tea.KeyMsg) (tea.Cmd, bool) {
	g := m.keys.Global
	switch {
	case key.Matches(km, g.Help):
		m.pushOverlay(&helpOverlay{m.helpv})
	case key.Matches(km, g.LastError):
		text := m.lastErrorText()
		if text == "" {
			return m.setFlash("no error since the last success, and no message yet"), true
		}
		m.pushOverlay(&errorOverlay{st: m.st, text: text})
	case key.Matches(km, g.NextPane):
		m.setFocus((m.focus + 1) % paneCount)
	case key.Matches(km, g.PrevPane):
		m.setFocus((m.focus + paneCount - 1) % paneCount)
	case key.Matches(km, g.Mark):
		return m.mark(), true
	case key.Matches(km, g.Compare):
		return m.compareShown(), true
	case key.Matches(km, g.Stats):
		return m.openStats(), true
	case key.Matches(km, g.Refresh):
		return tea.Batch(m.refresh(), m.setFlash("refreshing")), true
	case key.Matches(km, g.Cancel):
		return m.openCancel(), true
	case key.Matches(km, g.Rebuild):
		return m.openRebuild(), true
	case key.Matches(km, g.BuildBranch):
		return m.openBuildInput(), true
	case key.Matches(km, g.ActiveOnly):
		return m.toggleActiveOnly(), true
	case key.Matches(km, g.CopyUUID), key.Matches(km, g.CopyURL), key.Matches(km, g.OpenURL):
		return m.shareKey(km), true
	case key.Matches(km, g.Open) && m.focus == PaneList:
		m.setFocus(PaneLog)
		return m.loadSelection(), true
	case key.Matches(km, g.Back):
		return m.back(), true
	default:
		return nil, false
	}
	return nil, true
}

// paneKey gives a key to the focused pane.
func (m *Model) paneKey(km tea.KeyMsg) tea.Cmd {
	var cmd tea.Cmd
	switch m.focus {
	case PaneList:
		if m.logOnly(km) && !m.list.Typing() {
			return m.logKeyElsewhere(km)
		}
		before := m.underCursor()
		m.list, cmd = m.list.Update(km)
		return tea.Batch(cmd, m.selectionMoved(before))
	case PaneDetail:
		if m.logOnly(km) {
			return m.logKeyElsewhere(km)
		}
		m.detail, cmd = m.detail.Update(km)
	default:
		m.log, cmd = m.log.Update(km)
	}
	return cmd
}

// logOnly reports a key only the log pane has (wrap, timestamps, follow,
// errors, phases, save): pressed in another pane it is not lost.
func (m *Model) logOnly(km tea.KeyMsg) bool {
	k := m.keys.Log
	for _, b := range []key.Binding{k.Next, k.Prev, k.FilterMatches, k.Follow, k.Wrap, k.Timestamps, k.NextError, k.PrevError,
		k.FirstError, k.NextPhase, k.PrevPhase, k.Save, k.Left, k.Right} {
		if key.Matches(km, b) {
			return true
		}
	}
	return false
}

// logKeyElsewhere acts on the selected build's log for a log key pressed
// in the list or the detail: the log shows that build; where the log is
// not on screen (one pane at a time), the focus moves to it so the person
// sees what the key did.
func (m *Model) logKeyElsewhere(km tea.KeyMsg) tea.Cmd {
	if _, ok := m.shownBuild(); !ok {
		return m.setFlash(km.String() + " acts on a build's log: select a build first")
	}
	var cmds []tea.Cmd
	if !computeLayout(m.w, m.h, lipgloss.Height(m.headerView()), lipgloss.Height(m.footerView()), m.focus).Visible(PaneLog) {
		m.setFocus(PaneLog)
		cmds = append(cmds, m.loadSelection())
	}
	var cmd tea.Cmd
	m.log, cmd = m.log.Update(km)
	return tea.Batch(append(cmds, cmd)...)
}

func (m *Model) toggleActiveOnly() tea.Cmd {
	before := m.underCursor()
	text := "showing all builds"
	if m.list.ToggleActiveOnly() {
		text = "showing active builds only"
	}
	return tea.Batch(m.setFlash(text), m.selectionMoved(before))
}

// shareKey copies the shown build's uuid or dashboard URL, or opens the URL.
func (m *Model) shareKey(km tea.KeyMsg) tea.Cmd {
	b, ok := m.shownBuild()
	if !ok {
		return nil
	}
	g, url := m.keys.Global, model.DashboardURL(m.opts.AccountID, b.WorkerName, b.UUID)
	switch {
	case key.Matches(km, g.CopyUUID):
		return copyCmd(m.opts.Out, m.term, b.UUID, "build uuid")
	case key.Matches(km, g.CopyURL):
		return copyCmd(m.opts.Out, m.term, url, "dashboard URL")
	}
	return m.openURL(url)
}

// back is esc: clear the list's filter or the log's search, else go back
// to the list.
func (m *Model) back() tea.Cmd {
	if m.dropCompare() {
		return m.setFlash("comparison dropped")
	}
	switch m.focus {
	case PaneList:
		before := m.underCursor()
		if m.list.ClearFilter() {
			return m.selectionMoved(before)
		}
	case PaneLog:
		if !m.log.ClearSearch() {
			m.setFocus(PaneList)
		}
	default:
		m.setFocus(PaneList)
	}
	return nil
}

// currentBuild is the loaded build, else the list's selection.

// quit ends the dashboard: the selection's requests are cancelled, and the
// last frame is empty so the terminal is left clean.
func (m *Model) quit() (Model, tea.Cmd) {
	m.quitting = true
	m.stopSelection()
	return *m, tea.Quit
}
