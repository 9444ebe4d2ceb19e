// Package confirm is the dialog that asks before a build is cancelled: it
// names the Worker, branch, commit and elapsed time; y confirms, anything
// else keeps the build (the default is No). Once confirmed it waits for the
// answer and sends nothing twice.
package confirm

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/fit"
)

// KeyMap is the dialog's keys: Yes confirms; any other key is No.
type KeyMap struct {
	Yes key.Binding
}

// DefaultKeyMap confirms with y or Y.
func DefaultKeyMap() KeyMap {
	return KeyMap{Yes: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "cancel the build"))}
}

// ShortHelp is the dialog's keys.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Yes} }

// FullHelp is the dialog's keys.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{{k.Yes}} }

// ConfirmedMsg says the user confirmed: send the one request.
type ConfirmedMsg struct{ Build model.Build }

// AbortedMsg says the user kept the build.
type AbortedMsg struct{ Build model.Build }

// Model is the dialog for one build.
type Model struct {
	st    *styles.Styles
	keys  KeyMap
	build model.Build
	now   time.Time
	err   string
	sent  bool
	w, h  int
}

// New asks about b.
func New(st *styles.Styles, keys KeyMap, b model.Build) Model {
	return Model{st: st, keys: keys, build: b}
}

// SetBuild refreshes the build the dialog is about (its state moves on
// while the dialog is open).
func (d *Model) SetBuild(b model.Build) {
	if b.UUID == d.build.UUID {
		d.build = b
	}
}

// Build is the build the dialog is about.
func (d Model) Build() model.Build { return d.build }

// Sent reports whether the request went out and the dialog waits for it.
func (d Model) Sent() bool { return d.sent }

// Err is the last failure shown in the dialog.
func (d Model) Err() string { return d.err }

// Failed shows an error and lets the user try again.
func (d *Model) Failed(err string) { d.err, d.sent = err, false }

// SetNow sets the clock the elapsed time is shown against.
func (d *Model) SetNow(t time.Time) { d.now = t }

// SetSize sets the screen the dialog is centred on.
func (d *Model) SetSize(w, h int) { d.w, d.h = w, h }

// Update answers a key: Yes sends ConfirmedMsg (once); any other key sends
// AbortedMsg, unless the request is already on its way.
func (d Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || d.sent {
		return d, nil // waiting for the answer; nothing is sent twice
	}
	b := d.build
	if key.Matches(km, d.keys.Yes) {
		d.sent, d.err = true, ""
		return d, func() tea.Msg { return ConfirmedMsg{Build: b} }
	}
	return d, func() tea.Msg { return AbortedMsg{Build: b} }
}

// View is the dialog box, or its plain lines when the screen is too narrow.
func (d Model) View() string {
	b := d.build
	ell := d.st.Ellipsis()
	lines := []string{
		d.st.Warning.Render("Cancel this build?"),
		"",
		"Worker   " + model.SanitizeInline(b.WorkerName),
		"Branch   " + model.SanitizeInline(b.Meta.Branch),
		"Commit   " + model.SanitizeInline(b.ShortCommit()) + " " + fit.Truncate(model.SanitizeInline(b.CommitTitle()), 40, ell),
		"Elapsed  " + model.FormatDuration(b.Duration(d.now)) + " (" + string(b.State()) + ")",
		"",
	}
	if d.sent {
		lines = append(lines, "cancelling"+ell)
	} else if !b.Cancellable() {
		lines = append(lines, d.st.Warning.Render("it has stopped: nothing to cancel")+"   "+d.st.Key.Render("any key")+" closes")
	} else {
		lines = append(lines, d.st.Key.Render("y")+" cancel the build   "+d.st.Key.Render("any other key")+" keep it (default: No)")
	}
	if d.err != "" {
		lines = append(lines, d.st.Error.Render(fit.Truncate(d.err, 60, ell)))
	}
	return d.st.DialogBox(lines, d.w)
}
