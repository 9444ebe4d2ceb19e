package tui

// The stats view (S): the build history's figures over the last 30 days,
// read (and brought up to date) by Options.Stats in a command, drawn by
// tui/statsview over the panes.

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/statsview"
)

// statsSpan is what the view counts.
const statsSpan = 30 * 24 * time.Hour

// statsMsg carries the figures to the open view.
type statsMsg struct {
	view    *statsOverlay
	stats   []model.Stats
	minutes model.Minutes
	err     error
}

// statsOverlay is the stats view; S or esc closes it.
type statsOverlay struct{ statsview.Model }

func (o *statsOverlay) update(km tea.KeyMsg, g GlobalKeys) (tea.Cmd, overlayAction) {
	switch {
	case key.Matches(km, g.Quit):
		return nil, overlayQuits
	case key.Matches(km, g.Stats), key.Matches(km, g.Back):
		return nil, overlayCloses
	}
	var cmd tea.Cmd
	o.Model, cmd = o.Model.Update(km)
	return cmd, overlayStays
}
func (o *statsOverlay) view(w, h int) string { o.SetSize(w, h); return o.View() }
func (o *statsOverlay) setSize(w, h int)     { o.SetSize(w, h) }
func (o *statsOverlay) typing() bool         { return false }

// openStats shows the view and asks for its figures.
func (m *Model) openStats() tea.Cmd {
	if m.opts.Stats == nil {
		return m.setFlash("no build history here (--no-history, [history] enabled = false, or it could not be opened): no stats")
	}
	o := &statsOverlay{statsview.New(m.st, statsview.DefaultKeyMap(), statsSpan)}
	m.pushOverlay(o)
	src, life, since := m.opts.Stats, m.life, m.now.Add(-statsSpan)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(model.WithPriority(life, model.Sweep), 2*time.Minute)
		defer cancel()
		st, mins, err := src.ReadStats(ctx, since)
		return statsMsg{view: o, stats: st, minutes: mins, err: err}
	}
}

// onStats fills the view, if it is still open.
func (m *Model) onStats(msg statsMsg) tea.Cmd {
	for _, o := range m.overlays {
		if o == overlay(msg.view) {
			msg.view.SetData(msg.stats, msg.minutes, msg.err)
		}
	}
	return nil
}
