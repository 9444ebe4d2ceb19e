package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
)

// save writes the whole log to <save dir>/<worker>-<build>.log: from the store
// when it is complete, else re-read from the API first.
func (m *Model) save() tea.Cmd {
	if m.opts.NoSave != "" {
		return m.setFlash("saving is off: " + m.opts.NoSave)
	}
	b, ok := m.builds[m.selUUID]
	if !ok {
		return m.setFlash("no build loaded to save")
	}
	name := safeFileName(b.WorkerName)
	if name == "" {
		name = "build"
	}
	path := filepath.Join(m.opts.SaveDir, fmt.Sprintf("%s-%s.log", name, safeFileName(b.UUID)))
	utc := true
	if m.tail.Done {
		// A snapshot, not a copy: Update stays O(1) however long the log.
		snap := m.log.Store().Snapshot()
		return func() tea.Msg {
			n, written, err := writeLog(path, snap.Lines(0, snap.Len()), utc)
			return savedMsg{uuid: b.UUID, path: written, lines: n, err: err}
		}
	}
	src, life := m.src, m.life
	return tea.Batch(m.setFlash("reading the whole log to save it"+m.st.Ellipsis()), func() tea.Msg {
		ctx, cancel := context.WithTimeout(life, 5*time.Minute)
		defer cancel()
		raw, err := src.ReadLog(ctx, b.UUID)
		if err != nil {
			return savedMsg{uuid: b.UUID, path: path, err: err}
		}
		lines := make([]model.Line, len(raw))
		for i, l := range raw {
			lines[i] = model.NewLine(l.Time, l.Text)
		}
		n, written, err := writeLog(path, lines, utc)
		return savedMsg{uuid: b.UUID, path: written, lines: n, err: err}
	})
}

// createNew creates path, or path with "-1", "-2"... before its extension
// when it exists: an existing file is never overwritten, and O_EXCL never
// follows a symlink standing at the name. It returns the absolute path.
func createNew(path string) (*os.File, string, error) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	for i := 0; i < 1000; i++ {
		p := path
		if i > 0 {
			p = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			return f, p, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, p, fmt.Errorf("create %s: %w", p, err)
		}
	}
	return nil, path, fmt.Errorf("create %s: a thousand files of that name exist already", path)
}

// writeLog writes sanitized plain lines with RFC 3339 timestamps to a new
// file and returns its absolute path.
func writeLog(path string, lines []model.Line, utc bool) (int, string, error) {
	f, path, err := createNew(path)
	if err != nil {
		return 0, path, err
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		t := l.Time()
		if utc {
			t = t.UTC()
		}
		w.WriteString(t.Format("2006-01-02T15:04:05.000Z07:00"))
		w.WriteByte(' ')
		w.WriteString(l.Plain())
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, path, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return 0, path, fmt.Errorf("write %s: %w", path, err)
	}
	return len(lines), path, nil
}

// safeFileName keeps letters, digits, '-', '_' and '.'.
func safeFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), ".")
}

// copyCmd sends text to the clipboard with OSC 52 (through tmux or screen
// when inside one), which works over SSH.
func copyCmd(w io.Writer, term Terminal, text, what string) tea.Cmd {
	seq := term.OSC52(text)
	return func() tea.Msg {
		_, err := io.WriteString(w, seq)
		return copiedMsg{what: what, err: err}
	}
}
