package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/fit"
	"github.com/cfbuilds/cfbuilds/tui/statusbar"
)

// View draws the screen: header, the panes the layout places, footer. Every
// line fits the terminal's width and there are exactly as many as its height.
func (m Model) View() string {
	if m.quitting || m.w <= 0 || m.h <= 0 {
		return ""
	}
	header, footer := m.headerView(), m.footerView()
	l := computeLayout(m.w, m.h, lipgloss.Height(header), lipgloss.Height(footer), m.focus)
	body := ""
	if o := m.topOverlay(); o != nil {
		body = o.view(m.w, l.BodyH)
	} else {
		body = m.bodyView(l)
	}
	parts := []string{}
	if l.BodyY > 0 {
		parts = append(parts, header)
	}
	if l.BodyH > 0 {
		parts = append(parts, body)
	}
	parts = append(parts, footer)
	return fit.Block(strings.Split(strings.Join(parts, "\n"), "\n"), m.w, m.h)
}

func (m Model) bodyView(l Layout) string {
	switch l.Mode {
	case ModeWide:
		right := m.detail.View()
		if l.Log.H > 0 {
			right += "\n" + m.log.View()
		}
		sep := strings.TrimSuffix(strings.Repeat(m.st.Muted.Render(m.st.Separator())+"\n", l.BodyH), "\n")
		return fit.JoinColumns(m.list.View(), sep, right)
	case ModeMedium:
		var parts []string
		for _, v := range []string{m.list.View(), m.detail.View(), m.log.View()} {
			if v != "" {
				parts = append(parts, v)
			}
		}
		return strings.Join(parts, "\n")
	}
	switch m.focus {
	case PaneDetail:
		return m.detail.View()
	case PaneLog:
		return m.log.View()
	}
	return m.list.View()
}

func (m Model) headerView() string {
	title := m.st.Title.Render("cfbuilds")
	extra := ""
	if m.opts.ReadOnly {
		extra = m.st.Warning.Render("  read-only")
	}
	return ansi.Truncate(title+extra, max(m.w, 0), "")
}

// failingAfter is how long calls fail before the status bar says so while
// the client is still retrying them: a blip passes unseen.
const failingAfter = 10 * time.Second

// footerView is the status bar with what the root knows now.
func (m Model) footerView() string {
	info := statusbar.Info{
		Account: m.opts.Account, Workers: len(m.workers), Refreshed: m.lastRefresh,
		NextPoll: m.poll[pollLatest].next, Budget: m.src.Usage(), ReadOnly: m.opts.ReadOnly, Flash: m.flash,
		Sweep: m.cycle.rotation, News: m.news(),
	}
	if b, ok := m.builds[m.marked]; ok {
		info.Marked = b.ShortCommit() + " of " + b.WorkerName
	}
	if m.opts.Viewers != nil {
		info.Viewers = m.opts.Viewers()
	}
	if p, err := m.lastError(); err != nil {
		info.Err = errorText(err)
		if !p.next.IsZero() {
			info.Retry = m.clock(p.next)
		}
	}
	// Calls failing for a while say so even while the client still retries
	// them, before any poll gives up; the last good data stays on screen.
	if h := m.src.Health(); h.Failing && m.now.Sub(h.Since) >= failingAfter {
		info.Err = "API failing for " + statusbar.Ago(m.now.Sub(h.Since)) + ": " + h.Err
		if !h.NextTry.IsZero() && h.NextTry.After(m.now) {
			info.Retry = "in " + statusbar.Ago(h.NextTry.Sub(m.now)) // the client's own retry
		} // else the poll's retry, set above, if any
	}
	sb := m.status
	sb.SetInfo(info, m.now)
	return sb.View()
}

// clock is a time of day in the configured zone.
func (m Model) clock(t time.Time) string {
	if m.opts.UTC {
		return t.UTC().Format("15:04:05")
	}
	return t.Local().Format("15:04:05")
}

// lastError is the most recent unresolved poll error.
func (m Model) lastError() (*poller, error) {
	var last *poller
	for _, k := range allPolls {
		p := m.poll[k]
		if p.err != nil && (last == nil || p.errAt.After(last.errAt)) {
			last = p
		}
	}
	if last == nil {
		return nil, nil
	}
	return last, last.err
}

// lastErrorText is what ! shows in full: the newest unresolved error (a
// poll's, or the calls the client is still retrying), why build events are
// not read, and the last message, which the bar may have cut.
func (m Model) lastErrorText() string {
	var parts []string
	if h := m.src.Health(); h.Failing {
		parts = append(parts, "Error: "+h.Err)
	} else if _, err := m.lastError(); err != nil {
		parts = append(parts, "Error: "+errorText(err))
	}
	if p := m.ev.state.Problem; p != "" && m.opts.Events != nil {
		parts = append(parts, "Events: "+model.SanitizeInline(p)+"; polling meanwhile")
	}
	if m.lastFlash != "" {
		parts = append(parts, "Last message: "+model.SanitizeInline(m.lastFlash))
	}
	return strings.Join(parts, "\n\n")
}
