package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/fit"
)

// View draws the screen: header, the panes the layout places, footer. Every
// line fits the terminal's width and there are exactly as many as its height.
func (m Model) View() string {
	if m.quitting || m.w <= 0 || m.h <= 0 {
		return ""
	}
	header, footer := m.headerView(), m.footerView()
	l := ComputeLayout(m.w, m.h, lipgloss.Height(header), lipgloss.Height(footer), m.focus)
	var body string
	switch {
	case m.showHelp:
		body = fit.Block(strings.Split(m.helpView(), "\n"), m.w, l.BodyH)
	case m.dialog != nil:
		body = lipgloss.Place(m.w, l.BodyH, lipgloss.Center, lipgloss.Center, m.dialogView(), lipgloss.WithWhitespaceChars(" "))
		body = fit.Block(strings.Split(body, "\n"), m.w, l.BodyH)
	default:
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

// ago is a short age: "3s", "2m", "1h".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(int(d.Seconds()), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh", int(d.Hours()))
}

// budgetText is the request budget: what Cloudflare reports remains of the
// user's budget (shared with every other tool) when it said, else this
// process's own count against its share.
func budgetText(b model.Budget) string {
	s := fmt.Sprintf("API %d/%d per 5m", b.Spent, b.Limit)
	if b.Reported {
		s = fmt.Sprintf("API %d of %d left", b.Remaining, b.Quota)
	}
	if b.Slowed {
		s += ", polling slowed"
	}
	return s
}

// footerView is the status bar: account, Workers, refresh age, next poll,
// budget, the last error and its retry, and a help hint.
func (m Model) footerView() string {
	parts := []string{model.SanitizeInline(m.opts.Account), fmt.Sprintf("%d Workers", len(m.workers))}
	if !m.lastRefresh.IsZero() {
		parts = append(parts, "refreshed "+ago(m.now.Sub(m.lastRefresh))+" ago")
	} else {
		parts = append(parts, "loading"+m.st.Ellipsis())
	}
	if lp := m.poll[pollLatest]; !lp.next.IsZero() && lp.next.After(m.now) {
		parts = append(parts, "next "+ago(lp.next.Sub(m.now)))
	}
	parts = append(parts, budgetText(m.src.Usage()))
	if m.opts.ReadOnly {
		parts = append(parts, "read-only")
	}
	left := strings.Join(parts, " · ")
	if err, p := m.lastError(); err != nil {
		retry := ""
		if !p.next.IsZero() {
			retry = " (retry " + m.clock(p.next) + ")"
		}
		left = m.st.Error.Render("error: "+errorText(err)+retry) + " · " + left
	}
	if m.flash != "" {
		left = m.st.Accent.Render(model.SanitizeInline(m.flash)) + " · " + left
	}
	// Short help from the keymap where there is room, else just the way to it.
	hint := m.st.Key.Render("?") + " help"
	if m.w >= 150 {
		hint = m.help.ShortHelpView(m.keys.ShortHelp())
	}
	if m.w < 40 {
		hint = ""
	}
	space := m.w - fit.Width(hint) - 1
	if fit.Width(left) > space {
		left = ansi.Truncate(left, max(space, 0), m.st.Ellipsis())
	}
	pad := max(m.w-fit.Width(left)-fit.Width(hint), 0)
	return left + strings.Repeat(" ", pad) + hint
}

// clock is a time of day in the configured zone.
func (m Model) clock(t time.Time) string {
	if m.opts.UTC {
		return t.UTC().Format("15:04:05")
	}
	return t.Local().Format("15:04:05")
}

// lastError is the most recent unresolved poll error.
func (m Model) lastError() (error, *poller) {
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
	return last.err, last
}

// helpView is every key, one column per part of the screen, each headed,
// generated from the keymaps (so rebinding shows here too).
func (m Model) helpView() string {
	title := m.st.Title.Render("Keys") + m.st.Muted.Render("  (? or esc closes)")
	heads := []string{"Move and scroll", "Builds and panes", "Log"}
	var cols []string
	for i, group := range m.keys.FullHelp() {
		block := m.help.FullHelpView([][]key.Binding{group})
		cols = append(cols, m.st.Header.Render(heads[i])+"\n"+block, "    ")
	}
	return title + "\n\n" + lipgloss.JoinHorizontal(lipgloss.Top, cols...)
}

func (m Model) dialogView() string {
	d := m.dialog
	b := d.build
	lines := []string{
		m.st.Warning.Render("Cancel this build?"),
		"",
		"Worker   " + model.SanitizeInline(b.WorkerName),
		"Branch   " + model.SanitizeInline(b.Meta.Branch),
		"Commit   " + model.SanitizeInline(b.ShortCommit()) + " " + fit.Truncate(model.SanitizeInline(b.CommitTitle()), 40, m.st.Ellipsis()),
		"Elapsed  " + model.FormatDuration(b.Duration(m.now)) + " (" + string(b.State()) + ")",
		"",
	}
	if d.sent {
		lines = append(lines, "cancelling"+m.st.Ellipsis())
	} else {
		lines = append(lines, m.st.Key.Render("y")+" cancel the build   "+m.st.Key.Render("any other key")+" keep it (default: No)")
	}
	if d.err != "" {
		lines = append(lines, m.st.Error.Render(fit.Truncate(d.err, 60, m.st.Ellipsis())))
	}
	box := m.st.Dialog.Render(strings.Join(lines, "\n"))
	if lipgloss.Width(box) > m.w {
		// Too narrow for the box: the plain lines, cut to the screen.
		return strings.Join(lines, "\n")
	}
	return box
}
