package tui

// Key routing: the dialog and prompts first, then the global keys, then
// the focused pane.

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

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
	return m.buildIn != nil || m.list.Typing() && m.focus == PaneList || m.log.Typing() && m.focus == PaneLog
}

func (m *Model) handleOneKey(km tea.KeyMsg) (Model, tea.Cmd) {
	g := m.keys.Global
	if km.Type == tea.KeyCtrlC {
		return m.quit()
	}
	if m.dialog != nil {
		return *m, m.dialogKey(km)
	}
	if m.rebuildDlg != nil {
		d, cmd := m.rebuildDlg.Update(km)
		m.rebuildDlg = &d
		return *m, cmd
	}
	if m.buildIn != nil {
		in, cmd := m.buildIn.Update(km)
		m.buildIn = &in
		return *m, cmd
	}
	if m.list.Typing() && m.focus == PaneList {
		before := m.list.SelectedUUID()
		var cmd tea.Cmd
		m.list, cmd = m.list.Update(km)
		return *m, tea.Batch(cmd, m.selectionMoved(before))
	}
	if m.log.Typing() && m.focus == PaneLog {
		var cmd tea.Cmd
		m.log, cmd = m.log.Update(km)
		return *m, cmd
	}
	if m.showErr {
		m.showErr = false // any key closes it
		if key.Matches(km, g.Quit) {
			return m.handleOneKey(km)
		}
		return *m, nil
	}
	if m.compareV != nil {
		switch {
		case key.Matches(km, g.Quit):
			return m.quit()
		case key.Matches(km, g.Back), key.Matches(km, g.Compare):
			m.compareV = nil
		default:
			v, cmd := m.compareV.Update(km)
			m.compareV = &v
			return *m, cmd
		}
		return *m, nil
	}
	if m.showHelp {
		switch {
		case key.Matches(km, g.Quit):
			return m.quit()
		case key.Matches(km, g.Help), key.Matches(km, g.Back):
			m.showHelp = false
		default:
			var cmd tea.Cmd
			m.helpv, cmd = m.helpv.Update(km)
			return *m, cmd
		}
		return *m, nil
	}
	switch {
	case key.Matches(km, g.Quit):
		return m.quit()
	case key.Matches(km, g.Help):
		m.showHelp = true
		return *m, nil
	case key.Matches(km, g.LastError):
		if m.lastErrorText() == "" {
			return *m, m.setFlash("no error since the last success")
		}
		m.showErr = true
		return *m, nil
	case key.Matches(km, g.NextPane):
		m.setFocus((m.focus + 1) % paneCount)
		return *m, nil
	case key.Matches(km, g.PrevPane):
		m.setFocus((m.focus + paneCount - 1) % paneCount)
		return *m, nil
	case key.Matches(km, g.Mark):
		return *m, m.mark()
	case key.Matches(km, g.Compare):
		return *m, m.compareShown()
	case key.Matches(km, g.Refresh):
		return *m, tea.Batch(m.refresh(), m.setFlash("refreshing"))
	case key.Matches(km, g.Cancel):
		return *m, m.openCancel()
	case key.Matches(km, g.Rebuild):
		return *m, m.openRebuild()
	case key.Matches(km, g.BuildBranch):
		return *m, m.openBuildInput()
	case key.Matches(km, g.ActiveOnly):
		before := m.list.SelectedUUID()
		on := m.list.ToggleActiveOnly()
		text := "showing all builds"
		if on {
			text = "showing active builds only"
		}
		return *m, tea.Batch(m.setFlash(text), m.selectionMoved(before))
	case key.Matches(km, g.CopyUUID):
		if b, ok := m.shownBuild(); ok {
			return *m, copyCmd(m.opts.Out, m.term, b.UUID, "build uuid")
		}
		return *m, nil
	case key.Matches(km, g.CopyURL):
		if b, ok := m.shownBuild(); ok {
			return *m, copyCmd(m.opts.Out, m.term, model.DashboardURL(m.opts.AccountID, b.WorkerName, b.UUID), "dashboard URL")
		}
		return *m, nil
	case key.Matches(km, g.OpenURL):
		if b, ok := m.shownBuild(); ok {
			return *m, m.openURL(model.DashboardURL(m.opts.AccountID, b.WorkerName, b.UUID))
		}
		return *m, nil
	case key.Matches(km, g.Open) && m.focus == PaneList:
		m.setFocus(PaneLog)
		return *m, m.loadSelection()
	case key.Matches(km, g.Back):
		switch m.focus {
		case PaneList:
			before := m.list.SelectedUUID()
			if m.list.ClearFilter() {
				return *m, m.selectionMoved(before)
			}
		case PaneLog:
			if !m.log.ClearSearch() {
				m.setFocus(PaneList)
			}
		default:
			m.setFocus(PaneList)
		}
		return *m, nil
	}
	switch m.focus {
	case PaneList:
		before := m.list.SelectedUUID()
		var cmd tea.Cmd
		m.list, cmd = m.list.Update(km)
		return *m, tea.Batch(cmd, m.selectionMoved(before))
	case PaneDetail:
		var cmd tea.Cmd
		m.detail, cmd = m.detail.Update(km)
		return *m, cmd
	}
	var cmd tea.Cmd
	m.log, cmd = m.log.Update(km)
	return *m, cmd
}

// currentBuild is the loaded build, else the list's selection.

// quit ends the dashboard: the selection's requests are cancelled, and the
// last frame is empty so the terminal is left clean.
func (m *Model) quit() (Model, tea.Cmd) {
	m.quitting = true
	m.stopSelection()
	return *m, tea.Quit
}
