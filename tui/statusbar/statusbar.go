// Package statusbar is the dashboard's bottom line: the account, the Workers,
// how fresh the data is and when the next poll goes, the request budget,
// the last error with its next retry, a passing message, and a key hint.
package statusbar

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/fit"
)

// Info is what the bar shows; the root fills it from its data.
type Info struct {
	Account   string
	Workers   int
	Refreshed time.Time // zero while loading
	NextPoll  time.Time // zero when none is armed
	Budget    model.Budget
	ReadOnly  bool
	Viewers   int    // people watching this dashboard over SSH (0: not served)
	Err       string // the last unresolved error, one line
	Retry     string // when it is tried again, as a clock time ("" unknown)
	Flash     string // a passing message
	// Sweep is how long the rotation takes to read every Worker that is
	// not polled each cycle (0: every cycle reads every Worker).
	Sweep time.Duration
	// Marked names the build m marked to compare ("" none).
	Marked string
	// News says where the news of builds comes from: events (and how old
	// the last is) or polling; "" when no events are configured.
	News string
}

// Model is the status bar.
type Model struct {
	st   *styles.Styles
	keys help.KeyMap
	help help.Model
	w    int
	now  time.Time
	info Info
}

// New makes a bar whose hint comes from keys' short help.
func New(st *styles.Styles, keys help.KeyMap) Model {
	return Model{st: st, keys: keys, help: help.New()}
}

// SetSize sets the bar's width.
func (s *Model) SetSize(w int) { s.w = max(w, 0); s.help.Width = s.w }

// SetStyles replaces the styles (a theme change).
func (s *Model) SetStyles(st *styles.Styles) { s.st = st }

// SetInfo sets what to show as of now.
func (s *Model) SetInfo(info Info, now time.Time) { s.info, s.now = info, now }

// Ago is a short age: "3s", "2m", "1h".
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(int(d.Seconds()), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh", int(d.Hours()))
}

// BudgetText is the request budget: what Cloudflare reports remains of the
// user's budget (shared with every other tool) when it said, else this
// process's own count against its share.
func BudgetText(b model.Budget) string {
	s := fmt.Sprintf("API %d/%d per 5m", b.Spent, b.Limit)
	if b.Reported {
		s = fmt.Sprintf("API %d of %d left", b.Remaining, b.Quota)
	}
	if b.Slowed {
		s += ", polling slowed"
	}
	return s
}

// gateText is what the process does while Cloudflare's 429 holds every
// request: it names the limit and when it resumes.
func gateText(left time.Duration) string {
	return "rate limited by Cloudflare, resuming in " + Ago(left.Round(time.Second))
}

// part is one piece of the bar and how soon it goes when the bar is
// narrow: the lowest keep first; the budget, where the news comes from and
// the account stay longest.
type part struct {
	text string
	keep int
}

// infoParts are the bar's pieces after the messages, in their order.
func (s Model) infoParts(budget string) []part {
	in := s.info
	parts := []part{{model.SanitizeInline(in.Account), 8}, {fmt.Sprintf("%d Workers", in.Workers), 2}}
	if in.Marked != "" {
		parts = append(parts, part{s.st.Accent.Render(s.st.Mark() + " " + model.SanitizeInline(in.Marked) + " marked (d compares)"), 6})
	}
	// Where the news comes from goes after when the list was last
	// polled: with events, "refreshed 24s ago" alone looks stale while
	// builds change.
	refreshedKeep := 5
	if in.News != "" {
		refreshedKeep = 4
	}
	if !in.Refreshed.IsZero() {
		parts = append(parts, part{"refreshed " + Ago(s.now.Sub(in.Refreshed)) + " ago", refreshedKeep})
	} else {
		parts = append(parts, part{"loading" + s.st.Ellipsis(), 7})
	}
	if in.News != "" {
		// Where the news comes from says whether the screen is live: it
		// outlasts everything but the budget.
		parts = append(parts, part{in.News, 9})
	}
	if !in.NextPoll.IsZero() && in.NextPoll.After(s.now) {
		parts = append(parts, part{"next " + Ago(in.NextPoll.Sub(s.now)), 3})
	}
	if in.Sweep > 0 {
		parts = append(parts, part{"all Workers every " + Ago(in.Sweep), 1})
	}
	parts = append(parts, part{budget, 10})
	if in.Viewers > 0 {
		parts = append(parts, part{fmt.Sprintf("%d connected", in.Viewers), 7})
	}
	if in.ReadOnly {
		parts = append(parts, part{"read-only", 6}) // the header says it too
	}
	return parts
}

// shortBudget is the budget in the fewest words: "API 1179/1200 left".
func shortBudget(b model.Budget) string {
	if b.Reported {
		return fmt.Sprintf("API %d/%d left", b.Remaining, b.Quota)
	}
	return fmt.Sprintf("API %d/%d", b.Spent, b.Limit)
}

// View is one line of exactly the bar's width. Where it is narrow, the
// least useful pieces go first (the sweep, the Worker count, the next
// poll...), then the budget shortens; the budget itself is the last to go.
func (s Model) View() string {
	in := s.info
	var lead []string
	if in.Flash != "" {
		lead = append(lead, s.st.Accent.Render(model.SanitizeInline(in.Flash)))
	}
	if g := in.Budget.GatedUntil; g.After(s.now) {
		// Every request of the process waits at one gate: say so before
		// any error it caused.
		lead = append(lead, s.st.Warning.Render(gateText(g.Sub(s.now))))
	}
	if in.Err != "" {
		// The retry first: a long error is cut at the right edge.
		head := "error: "
		if in.Retry != "" {
			head = "error, retry " + in.Retry + ": "
		}
		lead = append(lead, s.st.Error.Render(head+in.Err))
	}
	// Short help from the keymap where there is room (the info keeps
	// every piece beside it), else just the way to it.
	hint := s.st.Key.Render("?") + " help"
	if s.w >= 150 {
		if full := s.help.ShortHelpView(s.keys.ShortHelp()); s.fitsWhole(lead, s.w-fit.Width(full)-1) {
			hint = full
		}
	}
	if s.w < 40 {
		hint = ""
	}
	space := s.w - fit.Width(hint) - 1
	left := s.fitParts(lead, space)
	if fit.Width(left) > space {
		left = ansi.Truncate(left, max(space, 0), s.st.Ellipsis())
	}
	pad := max(s.w-fit.Width(left)-fit.Width(hint), 0)
	return left + strings.Repeat(" ", pad) + hint
}

// fitParts joins the messages and the info pieces, dropping pieces by
// their keep (then shortening the budget) until the line fits space. A
// long message is cut at the edge instead; the pieces stay before it goes.
func (s Model) fitParts(lead []string, space int) string {
	join := func(parts []part) string {
		texts := append([]string{}, lead...)
		for _, p := range parts {
			texts = append(texts, p.text)
		}
		return strings.Join(texts, " · ")
	}
	parts := s.infoParts(BudgetText(s.info.Budget))
	for keep := 1; keep < 10 && fit.Width(join(parts)) > space; keep++ {
		if keep == 6 {
			parts = s.dropBelow(s.infoParts(shortBudget(s.info.Budget)), keep)
		}
		parts = s.dropBelow(parts, keep)
	}
	if len(lead) > 0 && fit.Width(join(parts)) > space {
		// The messages matter now: the info keeps only the budget, and a
		// message too long for the rest is cut before it.
		parts = s.dropBelow(parts, 9)
		if len(parts) == 0 {
			return join(parts)
		}
		if tail := " · " + parts[0].text; fit.Width(join(parts)) > space && space-fit.Width(tail) >= 20 {
			return ansi.Truncate(strings.Join(lead, " · "), space-fit.Width(tail), s.st.Ellipsis()) + tail
		}
	}
	return join(parts)
}

// fitsWhole reports whether the messages and every info piece fit space.
func (s Model) fitsWhole(lead []string, space int) bool {
	texts := append([]string{}, lead...)
	for _, p := range s.infoParts(BudgetText(s.info.Budget)) {
		texts = append(texts, p.text)
	}
	return fit.Width(strings.Join(texts, " · ")) <= space
}

// dropBelow keeps the pieces whose keep is above n.
func (Model) dropBelow(parts []part, n int) []part {
	out := parts[:0:0]
	for _, p := range parts {
		if p.keep > n {
			out = append(out, p)
		}
	}
	return out
}
