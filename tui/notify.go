package tui

import (
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
)

// finished tells the user a watched build is done: the bell and a desktop
// notification as configured per outcome, and a line in the status bar.
func (m *Model) finished(b model.Build) tea.Cmd {
	watched := m.opts.Notify == "all" || m.opts.Notify == "selected" && b.UUID == m.selUUID
	if !watched {
		return nil
	}
	state := b.State()
	text := fmt.Sprintf("%s %s %s: %s", m.st.Glyph(state), b.WorkerName, b.Meta.Branch, state)
	flash := m.setFlash(text)
	channels, ok := m.opts.NotifyBy[string(b.Outcome)]
	if !ok {
		channels = m.opts.NotifyBy["*"]
	}
	seq := notification(m.term, channels, "cfbuilds", fmt.Sprintf("%s %s: %s", b.WorkerName, b.Meta.Branch, state))
	if seq == "" {
		return flash
	}
	out := m.opts.Out
	return tea.Batch(flash, func() tea.Msg {
		_, _ = io.WriteString(out, seq)
		return nil
	})
}

// notification is the bytes for the chosen channels.
func notification(t Terminal, channels []string, title, body string) string {
	var b strings.Builder
	for _, c := range channels {
		switch c {
		case "bell":
			b.WriteString(t.Bell())
		case "osc9":
			b.WriteString(t.OSC9(title + ": " + body))
		case "osc777":
			b.WriteString(t.OSC777(title, body))
		}
	}
	return b.String()
}

// NotifyChannels are the channels [notify] accepts.
func NotifyChannels() []string { return []string{"bell", "osc9", "osc777"} }

// openURL opens a URL with the desktop's opener.
func openURL(url string) error {
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	return exec.Command(name, url).Start()
}

// openURL opens the URL in a local session; over SSH there is no browser
// here, so it copies the URL instead (OSC 52 travels back to the user's
// terminal) and says so.
func (m *Model) openURL(url string) tea.Cmd {
	if m.term.SSH {
		return tea.Batch(copyCmd(m.opts.Out, m.term, url, "dashboard URL (SSH session: open it on your machine)"))
	}
	open := m.opts.Open
	return func() tea.Msg {
		if err := open(url); err != nil {
			// No browser here (a jump host, a container): show the URL and
			// how to copy it, not the opener's error.
			return copiedMsg{noBrowser: url}
		}
		return copiedMsg{what: "", opened: true}
	}
}
