package tui

// Build events: with a queue of Workers Builds events (Options.Events),
// a build's start and end reach the screen within a pull of the event,
// whatever the number of Workers; the latest-builds poll only reconciles
// (at most a round a minute, its calls spread over the minute), except
// while a build is queued, which has no event. Without events, or while
// they cannot be read, polling is as before.

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/statusbar"
)

// reconcileEvery is the latest-builds round while events flow.
const reconcileEvery = time.Minute

// eventsMsg is what the feed handed on.
type eventsMsg struct {
	batch model.EventBatch
	err   error
}

// events is the dashboard's side of the feed.
type events struct {
	after uint64           // the last event number applied
	state model.EventState // where the news comes from
	seen  bool             // the feed said anything yet
	said  string           // the last problem flashed
	// covered is the Workers (by name) whose events the queue gets (nil:
	// not known, every Worker taken as covered); uncovered counts the
	// account's others, polled as without events (#36.2).
	covered   map[string]bool
	uncovered int
}

// waitEvents asks the feed for what comes after the last event applied.
func waitEvents(life context.Context, feed model.EventFeed, after uint64) tea.Cmd {
	return func() tea.Msg {
		b, err := feed.Next(life, after)
		return eventsMsg{batch: b, err: err}
	}
}

// startEvents is the first wait, when there is a feed.
func (m *Model) startEvents() tea.Cmd {
	if m.opts.Events == nil {
		return nil
	}
	return waitEvents(m.life, m.opts.Events, 0)
}

// onEvents applies a batch: each event to its build, by uuid; a build
// first seen here appears with what the event carries (its Worker found by
// name) and is read whole when selected. Then it waits for the next.
func (m *Model) onEvents(msg eventsMsg) tea.Cmd {
	if msg.err != nil {
		return nil // the dashboard is closing
	}
	wasFlowing, wasUncovered := m.ev.state.Flowing, m.ev.uncovered
	m.ev.after, m.ev.state, m.ev.seen = msg.batch.Next, msg.batch.State, true
	m.ev.covered = msg.batch.Covered
	m.countUncovered()
	var cmds []tea.Cmd
	if p := msg.batch.State.Problem; p != "" && p != m.ev.said {
		m.ev.said = p
		cmds = append(cmds, m.setFlash(p+"; polling meanwhile"))
	}
	tags := make(map[string]string, len(m.workerByTag))
	for tag, name := range m.workerByTag {
		tags[name] = tag
	}
	var changed []model.Build
	for _, ev := range msg.batch.Events {
		known, ok := m.builds[ev.Build.UUID]
		b, moved := model.ApplyEvent(known, ok, ev)
		if !moved {
			continue
		}
		if !ok {
			m.follow.unconfirmed[b.UUID] = true // news until one GET agrees
		}
		if b.WorkerTag == "" {
			b.WorkerTag = tags[ev.WorkerName]
			if b.WorkerTag == "" {
				continue // a Worker this dashboard does not show
			}
		}
		if cur, ok := m.builds[m.latestByTag[b.WorkerTag]]; !ok || !b.CreatedOn.Before(cur.CreatedOn) {
			m.latestByTag[b.WorkerTag] = b.UUID
		}
		changed = append(changed, b)
	}
	if len(changed) > 0 {
		m.lastRefresh = m.now
		cmds = append(cmds, m.store(changed...))
		m.syncSelection(&cmds)
		cmds = append(cmds, m.armClock())
	}
	if msg.batch.Gap || wasFlowing != m.ev.state.Flowing || wasUncovered != m.ev.uncovered {
		// Events were missed, or the news changed its source: one round
		// now puts the list right and re-paces the poll.
		cmds = append(cmds, m.refreshLatest())
	}
	return tea.Batch(append(cmds, waitEvents(m.life, m.opts.Events, m.ev.after))...)
}

// reconciling reports that events carry the news of every Worker: the
// latest-builds poll only reconciles. A queued build has no event until it
// starts: it is read by itself (follow.go), never by polling the whole
// account (#36.3). Where some Workers send their events elsewhere (or
// nowhere), they are polled at the usual pace and the others reconciled
// once a minute (planCycle).
func (m *Model) reconciling() bool { return m.ev.state.Flowing && m.ev.uncovered == 0 }

// covers reports whether events carry the news of a Worker's builds.
func (m *Model) covers(tag string) bool {
	return m.ev.state.Flowing && (m.ev.covered == nil || m.ev.covered[m.workerByTag[tag]])
}

// countUncovered counts the Workers whose events the queue does not get;
// called when the Workers or the covered set change.
func (m *Model) countUncovered() {
	m.ev.uncovered = 0
	if m.ev.covered == nil {
		return
	}
	for _, w := range m.workers {
		if !m.ev.covered[w.Name] {
			m.ev.uncovered++
		}
	}
}

// refreshLatest starts a latest-builds round now.
func (m *Model) refreshLatest() tea.Cmd {
	lp := m.poll[pollLatest]
	lp.gen++
	m.cycle.queue = nil
	return m.startLatest()
}

// news is the status bar's word on where the news comes from.
func (m *Model) news() string {
	switch {
	case m.opts.Events == nil:
		return ""
	case !m.ev.seen:
		return "events: connecting"
	case !m.ev.state.Flowing:
		return "polling (events not read)"
	}
	word := "events"
	if m.ev.covered != nil && m.ev.uncovered > 0 {
		word = fmt.Sprintf("events (%d/%d Workers)", len(m.workers)-m.ev.uncovered, len(m.workers))
	}
	if m.ev.state.Last.IsZero() {
		return word
	}
	return word + ", last " + statusbar.Ago(m.now.Sub(m.ev.state.Last)) + " ago"
}
