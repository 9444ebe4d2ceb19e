// Package compare is the view of what differs between two builds (m marks
// one, d compares): the fields side by side, the phases, and the diff of
// the two logs, from model.Comparison's report. It scrolls; only the rows
// on screen are drawn.
package compare

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/fit"
	"github.com/cfbuilds/cfbuilds/tui/nav"
)

// KeyMap is the view's keys: moving (esc closes it, the root's key).
type KeyMap struct{ nav.KeyMap }

// DefaultKeyMap moves as every pane does.
func DefaultKeyMap() KeyMap { return KeyMap{nav.DefaultKeyMap()} }

// ShortHelp is the view's keys.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down} }

// FullHelp is the view's keys.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.Bindings()} }

// Model is the view.
type Model struct {
	st     *styles.Styles
	keys   KeyMap
	lines  []model.ReportLine
	w, h   int
	offset int
}

// New shows c.
func New(st *styles.Styles, keys KeyMap, c model.Comparison) Model {
	return Model{st: st, keys: keys, lines: c.Report()}
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.w, m.h = max(w, 0), max(h, 0) }

// SetStyles replaces the styles (a theme change).
func (m *Model) SetStyles(st *styles.Styles) { m.st = st }

func (m *Model) rowsShown() int { return max(m.h-1, 1) }

// Update scrolls.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	m.offset, _ = m.keys.Scroll(km, m.offset, m.rowsShown(), max(len(m.lines)-m.rowsShown(), 0))
	return m, nil
}

// View renders exactly h rows of at most w cells: a title, then the
// report's rows from the scroll offset.
func (m Model) View() string {
	if m.w <= 0 || m.h <= 0 {
		return ""
	}
	out := []string{m.st.Title.Render("Compare") + m.st.Muted.Render("  (esc closes · j/k scroll · * differs · - only in A · + only in B)")}
	end := min(m.offset+m.rowsShown(), len(m.lines))
	for _, l := range m.lines[m.offset:end] {
		text := fit.Truncate(model.SanitizeInline(l.Text), m.w, m.st.Ellipsis())
		switch l.Kind {
		case 'h':
			text = m.st.Header.Render(text)
		case 'd':
			text = m.st.Warning.Render(text)
		case 's', '~':
			text = m.st.Muted.Render(text)
		case '-':
			text = m.st.Failure.Render(text)
		case '+':
			text = m.st.Success.Render(text)
		}
		out = append(out, text)
	}
	return fit.Block(out, m.w, m.h)
}
