// Package helpview is the help overlay: every key, one headed column per
// part of the screen, generated from the keymaps so rebinding shows here
// too. Columns stand side by side where they fit and one under the other
// where they do not; the overlay scrolls when it is taller than the screen.
package helpview

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/fit"
	"github.com/cfbuilds/cfbuilds/tui/nav"
)

// Group is one headed column of keys.
type Group struct {
	Title string
	Keys  []key.Binding
}

// KeyMap scrolls the overlay: the moving keys every pane has (g/G,
// home/end, pages too), since the overlay lists them.
type KeyMap struct{ nav.KeyMap }

// DefaultKeyMap scrolls with the panes' keys.
func DefaultKeyMap() KeyMap { return KeyMap{nav.DefaultKeyMap()} }

// ShortHelp is the overlay's keys.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down} }

// FullHelp is the overlay's keys.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.Bindings()} }

// Model is the overlay.
type Model struct {
	st     *styles.Styles
	keys   KeyMap
	help   help.Model
	groups []Group
	note   string
	w, h   int
	offset int
}

// New makes the overlay.
func New(st *styles.Styles, keys KeyMap) Model {
	h := help.New()
	h.ShowAll = true
	return Model{st: st, keys: keys, help: h}
}

// SetGroups sets the columns to show.
func (m *Model) SetGroups(g []Group) { m.groups = g }

// SetNote sets a line shown under the keys (why some are missing).
func (m *Model) SetNote(s string) { m.note = s }

// SetSize sets the overlay's size.
func (m *Model) SetSize(w, h int) { m.w, m.h = max(w, 0), max(h, 0); m.help.Width = m.w }

// SetStyles replaces the styles (a theme change).
func (m *Model) SetStyles(st *styles.Styles) { m.st = st }

// Update scrolls.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	m.offset, _ = m.keys.Scroll(km, m.offset, max(m.h-1, 1), max(len(m.lines())-m.h, 0))
	return m, nil
}

func (m Model) lines() []string {
	title := m.st.Title.Render("Keys") + m.st.Muted.Render("  (? or esc closes)")
	var cols []string
	for _, g := range m.groups {
		block := m.help.FullHelpView([][]key.Binding{g.Keys})
		cols = append(cols, m.st.Header.Render(g.Title)+"\n"+block)
	}
	var spaced []string
	for _, c := range cols {
		spaced = append(spaced, c, "    ")
	}
	body := lipgloss.JoinHorizontal(lipgloss.Top, spaced...)
	if lipgloss.Width(body) > m.w {
		body = strings.Join(cols, "\n\n")
	}
	out := append([]string{title, ""}, strings.Split(body, "\n")...)
	if m.note != "" {
		out = append(out, "", m.st.Muted.Render(m.note))
	}
	return out
}

// View renders exactly h rows of at most w cells, from the scroll offset.
func (m Model) View() string {
	lines := m.lines()
	off := min(m.offset, max(len(lines)-m.h, 0))
	lines = lines[off:]
	if off > 0 || len(lines) > m.h {
		// Say there is more, on the last row.
		if len(lines) > m.h && m.h > 0 {
			lines = append(lines[:m.h-1], m.st.Muted.Render("j/k, G/end scroll"+m.st.Ellipsis()))
		}
	}
	return fit.Block(lines, m.w, m.h)
}
