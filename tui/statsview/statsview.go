// Package statsview is the dashboard's stats view (S): per Worker a chart
// of its recent build durations, p50/p95, queue wait and failure rate, and
// the month's build minutes as a gauge with the forecast. The chart is an
// ntcharts sparkline; the gauge a bubbles progress bar. With ASCII glyphs
// the chart's blocks become ASCII; with NO_COLOR it has no colour.
package statsview

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/sparkline"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/fit"
	"github.com/cfbuilds/cfbuilds/tui/nav"
)

// KeyMap scrolls the view.
type KeyMap struct{ nav.KeyMap }

// DefaultKeyMap scrolls with the panes' keys.
func DefaultKeyMap() KeyMap { return KeyMap{nav.DefaultKeyMap()} }

// ShortHelp is the view's keys.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down} }

// FullHelp is the view's keys.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.Bindings()} }

// Model is the view.
type Model struct {
	st      *styles.Styles
	keys    KeyMap
	w, h    int
	offset  int
	since   time.Duration
	stats   []model.Stats
	minutes model.Minutes
	loaded  bool
	err     string
}

// New makes the view, waiting for its figures.
func New(st *styles.Styles, keys KeyMap, since time.Duration) Model {
	return Model{st: st, keys: keys, since: since}
}

// SetSize sets its size.
func (m *Model) SetSize(w, h int) { m.w, m.h = max(w, 0), max(h, 0) }

// SetData sets the figures (err: why there are none).
func (m *Model) SetData(st []model.Stats, mins model.Minutes, err error) {
	m.stats, m.minutes, m.loaded = st, mins, true
	if err != nil {
		m.err = model.SanitizeInline(err.Error())
	}
}

// Update scrolls.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	m.offset, _ = m.keys.Scroll(km, m.offset, max(m.h-1, 1), max(len(m.lines())-m.h, 0))
	return m, nil
}

// View renders exactly h rows of at most w cells.
func (m Model) View() string {
	lines := m.lines()
	off := min(m.offset, max(len(lines)-m.h, 0))
	return fit.Block(lines[off:], m.w, m.h)
}

func dur(d time.Duration) string { return model.FormatDuration(d.Round(time.Second)) }

// chartWidth is the columns of a Worker's chart: one a build.
const chartWidth = 24

func (m Model) lines() []string {
	title := m.st.Title.Render("Stats") + m.st.Muted.Render(fmt.Sprintf("  last %d days · esc closes", int(m.since.Hours()/24)))
	out := []string{title}
	switch {
	case !m.loaded:
		return append(out, m.st.Muted.Render("reading the build history"+m.st.Ellipsis()))
	case m.err != "":
		return append(out, m.st.Error.Render("no figures: "+m.err))
	}
	out = append(out, m.minutesLine(), "")
	if len(m.stats) == 0 {
		return append(out, m.st.Muted.Render("no stopped builds in this span yet"))
	}
	out = append(out, m.st.Muted.Render(fmt.Sprintf("%-18s %6s %5s %7s %7s %6s  %s", "WORKER", "BUILDS", "FAIL", "P50", "P95", "QUEUE", "RECENT (duration)")))
	for _, s := range m.stats {
		name := fit.Truncate(model.SanitizeInline(s.Key), 18, m.st.Ellipsis())
		fail := fmt.Sprintf("%4.0f%%", 100*s.Rate(s.Failed))
		failStyle := m.st.Muted
		if s.Rate(s.Failed) >= 0.2 {
			failStyle = m.st.Failure
		}
		line := fmt.Sprintf("%-*s %6d ", 18+len(name)-fit.Width(name), name, s.Builds) + failStyle.Render(fail) +
			fmt.Sprintf(" %7s %7s %6s  ", dur(s.Total.P50), dur(s.Total.P95), dur(s.Queue.P50)) + m.chart(s)
		out = append(out, line)
		if len(s.Flaky) > 0 {
			out = append(out, m.st.Warning.Render(fmt.Sprintf("  %d flaky commit(s): failed, then passed unchanged", len(s.Flaky))))
		}
	}
	return out
}

// minutesLine is the month's build minutes: a gauge of the included ones
// and the forecast at the month's pace.
func (m Model) minutesLine() string {
	mn := m.minutes
	if mn.Included <= 0 {
		return fmt.Sprintf("build minutes this month: %.0f (no included minutes set: [stats] included_minutes)", mn.Used)
	}
	bar := progress.New(progress.WithWidth(20), progress.WithoutPercentage(), progress.WithSolidFill(m.gaugeColour()))
	if !m.st.Colour {
		bar = progress.New(progress.WithWidth(20), progress.WithoutPercentage(), progress.WithColorProfile(0))
	}
	if m.st.ASCII {
		bar.Full, bar.Empty = '#', '.'
	}
	s := fmt.Sprintf("build minutes %.0f of %.0f ", mn.Used, mn.Included) + bar.ViewAs(min(mn.Used/mn.Included, 1)) +
		fmt.Sprintf(" forecast %.0f by the month's end", mn.Forecast)
	if mn.LimitReached {
		s += m.st.Error.Render(" · limit reached: builds wait")
	} else if mn.Forecast > mn.Included {
		s += m.st.Warning.Render(" · over the included minutes at this pace")
	}
	return s
}

func (m Model) gaugeColour() string {
	if m.minutes.Forecast > m.minutes.Included {
		return "#d29922"
	}
	return "#3fb950"
}

// chart is a Worker's recent durations as a sparkline, one column a build.
func (m Model) chart(s model.Stats) string {
	data := make([]float64, 0, len(s.Recent))
	failed := false
	for _, p := range s.Recent[max(len(s.Recent)-chartWidth, 0):] {
		// On a log scale: one 20-minute timeout would flatten the rest.
		data = append(data, math.Log1p(p.Duration.Seconds()))
		failed = failed || !p.Outcome.OK() && p.Outcome != model.OutcomeCancelled
	}
	style := m.st.Success
	if failed {
		style = m.st.Running
	}
	sl := sparkline.New(chartWidth, 1, sparkline.WithStyle(style))
	sl.PushAll(data)
	sl.Draw()
	v := sl.View()
	if m.st.ASCII {
		v = strings.Map(func(r rune) rune {
			switch r {
			case '▁', '▂':
				return '_'
			case '▃', '▄':
				return '.'
			case '▅', '▆':
				return '-'
			case '▇', '█':
				return '#'
			}
			return r
		}, v)
	}
	return v
}
