package tui

// Cancelling a build: the dialog, the one PUT, and what its answer changes.

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/tui/confirm"
)

func (m *Model) onCancel(msg cancelMsg) tea.Cmd {
	if msg.err != nil {
		m.list.SetCancelling(msg.uuid, false)
		text := "cancel failed: " + errorText(msg.err)
		if d := m.cancelDialog(); d != nil && d.Build().UUID == msg.uuid {
			d.Failed(text)
		}
		return m.setFlash(text)
	}
	if d := m.cancelDialog(); d != nil && d.Build().UUID == msg.uuid {
		m.closeOverlay(d)
	}
	// The row says "cancelling…" until a poll brings the real outcome: poll now.
	lp := m.poll[pollLatest]
	lp.gen++
	var cmds []tea.Cmd
	cmds = append(cmds, m.setFlash("cancel requested"), m.startLatest())
	if msg.uuid == m.selUUID {
		sp := m.poll[pollSelected]
		sp.gen++
		cmds = append(cmds, m.startSelected())
	}
	return tea.Batch(cmds...)
}

// refuseReadOnly says why a read-only dashboard does not do what (cancel,
// rebuild, build).
func (m *Model) refuseReadOnly(what string) tea.Cmd {
	if m.opts.OnRefused != nil {
		m.opts.OnRefused(what)
	}
	why := m.opts.ReadOnlyWhy
	if why == "" {
		why = "this dashboard is read-only"
	}
	return m.setFlash("read-only: " + what + " is off (" + why + ")")
}

// openCancel opens the dialog for the selected build, or says why not.
func (m *Model) openCancel() tea.Cmd {
	// The build the detail shows, whatever pane has the focus: the dialog
	// must name and cancel what the user is looking at.
	b, ok := m.shownBuild()
	switch {
	case !ok:
		return m.setFlash("no build selected")
	case m.opts.ReadOnly:
		return m.refuseReadOnly("cancel")
	case !b.Cancellable():
		return m.setFlash(fmt.Sprintf("this build has stopped (%s): it cannot be cancelled", b.State()))
	case m.list.Cancelling(b.UUID):
		return m.setFlash("a cancel is already on its way")
	}
	d := confirm.New(m.st, confirm.DefaultKeyMap(), b)
	d.SetNow(m.now)
	m.pushOverlay(&cancelOverlay{d})
	return nil
}

// onConfirmed sends the one PUT the user confirmed.
func (m *Model) onConfirmed(msg confirm.ConfirmedMsg) tea.Cmd {
	// The build may have stopped while the dialog was open: no PUT then.
	if b, ok := m.builds[msg.Build.UUID]; ok && !b.Cancellable() {
		m.closeOverlay(m.cancelDialog())
		return m.setFlash(fmt.Sprintf("not sent: the build has stopped (%s)", b.State()))
	}
	m.list.SetCancelling(msg.Build.UUID, true)
	return cancelBuild(m.life, m.src, msg.Build.UUID)
}

func (m *Model) onAborted() tea.Cmd {
	m.closeOverlay(m.cancelDialog())
	return m.setFlash("not cancelled")
}
