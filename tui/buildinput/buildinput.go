// Package buildinput is the small prompt that starts a build of a branch
// of a Worker: it offers the branches seen in the Worker's history (tab
// completes), enter builds, esc closes.
package buildinput

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/fit"
)

// SubmittedMsg asks for a build of Branch of Worker.
type SubmittedMsg struct {
	Worker model.Worker
	Branch string
}

// ClosedMsg says the prompt was closed without a build.
type ClosedMsg struct{}

// Model is the prompt.
type Model struct {
	st     *styles.Styles
	input  textinput.Model
	worker model.Worker
	hints  []string
	w      int
}

// New opens the prompt for w, offering hints (branches), the first filled in.
func New(st *styles.Styles, w model.Worker, hints []string) Model {
	in := textinput.New()
	in.Prompt = "branch: "
	in.Cursor.SetMode(cursor.CursorStatic) // no blinking redraws
	in.CharLimit = 255
	if len(hints) > 0 {
		in.SetValue(hints[0])
		in.CursorEnd()
	}
	in.Focus()
	return Model{st: st, input: in, worker: w, hints: hints}
}

// SetSize sets the width the prompt fits.
func (m *Model) SetSize(w int) { m.w = w; m.input.Width = max(min(w-16, 48), 1) }

// Update types, completes with tab, builds with enter, closes with esc.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch km.Type {
	case tea.KeyEnter:
		branch := strings.TrimSpace(m.input.Value())
		if branch == "" {
			return m, nil
		}
		w := m.worker
		return m, func() tea.Msg { return SubmittedMsg{Worker: w, Branch: branch} }
	case tea.KeyEsc:
		return m, func() tea.Msg { return ClosedMsg{} }
	case tea.KeyTab:
		for _, h := range m.hints {
			if strings.HasPrefix(h, m.input.Value()) && h != m.input.Value() {
				m.input.SetValue(h)
				m.input.CursorEnd()
				break
			}
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// View is the prompt's lines.
func (m Model) View() string {
	ell := m.st.Ellipsis()
	lines := []string{
		m.st.Warning.Render("Build a branch of " + model.SanitizeInline(m.worker.Name)),
		"",
		m.input.View(),
		"",
		m.st.Muted.Render(fit.Truncate("seen: "+strings.Join(m.hints, ", "), max(m.w-4, 10), ell)),
		m.st.Key.Render("enter") + " builds   " + m.st.Key.Render("tab") + " completes   " + m.st.Key.Render("esc") + " closes",
	}
	return m.st.DialogBox(lines, m.w)
}
