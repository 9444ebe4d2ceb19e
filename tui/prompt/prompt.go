// Package prompt is the one-line text prompt of the list's filter and the
// log's search: a bubbles textinput that opens with the last query selected,
// so a typed character replaces it, backspace clears it, and an arrow keeps
// it to edit, as a selected text field does.
package prompt

import (
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// Model is a prompt.
type Model struct {
	input    textinput.Model
	selected bool // the last query is shown selected: the next character replaces it
	plain    lipgloss.Style
	marked   lipgloss.Style
}

// New makes a prompt that starts with label ("filter: ").
func New(label string, limit int, selected lipgloss.Style) Model {
	in := textinput.New()
	in.Prompt = label
	// A steady cursor: a blinking one would redraw the screen twice a second.
	in.Cursor.SetMode(cursor.CursorStatic)
	in.CharLimit = limit
	return Model{input: in, plain: in.TextStyle, marked: selected}
}

// Open focuses the prompt with last, selected.
func (p *Model) Open(last string) tea.Cmd {
	p.input.SetValue(last)
	p.input.CursorEnd()
	p.selected = last != ""
	return p.input.Focus()
}

// Close blurs the prompt.
func (p *Model) Close() {
	p.input.Blur()
	p.selected = false
}

// Value is the text typed.
func (p Model) Value() string { return p.input.Value() }

// SetValue sets the text, not selected.
func (p *Model) SetValue(s string) { p.input.SetValue(s); p.selected = false }

// SetWidth sets the width of the text field.
func (p *Model) SetWidth(w int) { p.input.Width = max(w-len(p.input.Prompt)-1, 1) }

// Update takes a key for the text (the caller handles enter and esc).
func (p Model) Update(km tea.KeyMsg) (Model, tea.Cmd) {
	if p.selected {
		p.selected = false
		switch km.Type {
		case tea.KeyRunes, tea.KeySpace:
			p.input.SetValue("") // the typed text replaces the selection
		case tea.KeyBackspace, tea.KeyDelete, tea.KeyCtrlH:
			p.input.SetValue("")
			return p, nil
		}
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(km)
	return p, cmd
}

// View draws the prompt; a selected query is shown reversed.
func (p Model) View() string {
	in := p.input
	if p.selected {
		in.TextStyle = p.marked
	}
	return in.View()
}
