package tui

// Every build shown as queued or running is followed to its end. The
// latest-builds poll reads each Worker's newest build only, so a build a
// newer push hid (push A, then B, then A fails) would show "running"
// forever once its end event is lost or never sent. Such builds are read
// one GET each at the active pace (the Poll priority on screen, Sweep
// off it). And a build first named by an event is news, not yet known:
// one GET confirms it, and one the API does not know is dropped, from the
// list and from what the history records.

import (
	"context"
	"errors"
	"sort"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
)

// maxFollowed bounds one round's GETs; more wait for the next rounds.
const maxFollowed = 20

// follow is what is followed beside the latest builds.
type follow struct {
	unconfirmed map[string]bool // builds first seen in an event, not read yet
	next        int             // where the next round starts when there are more than maxFollowed
}

// followMsg answers a round of reads.
type followMsg struct {
	seq    int
	builds []model.Build
	gone   []string // builds the API says do not exist
	err    error
}

// queuedEvery is how often a queued build is read while events carry the
// news: its start comes as an event; the read is for an event lost.
const queuedEvery = 10 * time.Second

// toFollow is the builds to read this round: those first seen in an event,
// every active build that is neither its Worker's latest (the poll reads
// that) nor the selection (its own poll reads it), and while events carry
// the news the queued builds (no event says a build is queued).
func (m *Model) toFollow() []string {
	for uuid := range m.follow.unconfirmed {
		if _, shown := m.builds[uuid]; !shown {
			delete(m.follow.unconfirmed, uuid) // trimmed away meanwhile
		}
	}
	var out []string
	for uuid, b := range m.builds {
		hidden := b.Active() && uuid != m.selUUID && m.latestByTag[b.WorkerTag] != uuid
		if m.follow.unconfirmed[uuid] || hidden || b.Status == model.StatusQueued && m.covers(b.WorkerTag) {
			out = append(out, uuid)
		}
	}
	sort.Strings(out)
	if len(out) <= maxFollowed {
		return out
	}
	start := m.follow.next % len(out)
	m.follow.next = start + maxFollowed
	return append(out[start:min(start+maxFollowed, len(out))], out[:max(0, start+maxFollowed-len(out))]...)
}

// startFollow reads the builds to follow, unless a round is in flight or
// the next is already armed (the active pace, whatever calls store).
func (m *Model) startFollow() tea.Cmd {
	p := m.poll[pollFollow]
	if p.inFlight || p.next.After(m.now) {
		return nil
	}
	uuids := m.toFollow()
	if len(uuids) == 0 {
		return nil
	}
	seq, ok := p.start()
	if !ok {
		return nil
	}
	onScreen := map[string]bool{}
	for _, b := range m.list.OnScreen() {
		onScreen[b.UUID] = true
	}
	return fetchFollow(m.life, m.src, seq, uuids, onScreen)
}

func fetchFollow(life context.Context, src model.Source, seq int, uuids []string, onScreen map[string]bool) tea.Cmd {
	return func() tea.Msg {
		msg := followMsg{seq: seq}
		for _, uuid := range uuids {
			prio := model.Sweep
			if onScreen[uuid] {
				prio = model.Poll
			}
			ctx, cancel := context.WithTimeout(model.WithPriority(life, prio), callTimeout)
			b, err := src.Build(ctx, uuid)
			cancel()
			switch {
			case err == nil:
				msg.builds = append(msg.builds, b)
			case isNotFound(err):
				msg.gone = append(msg.gone, uuid)
			default:
				msg.err = err // the rest wait for the retry
				return msg
			}
		}
		return msg
	}
}

func isNotFound(err error) bool {
	var nf interface{ NotFound() bool }
	return errors.As(err, &nf) && nf.NotFound()
}

// onFollow stores what was read, drops what the API does not know, and
// arms the next round at the active pace.
func (m *Model) onFollow(msg followMsg) tea.Cmd {
	p := m.poll[pollFollow]
	ok, retry := p.done(msg.seq, msg.err, m.now, m.after)
	if !ok && retry == nil {
		return nil // stale
	}
	for _, b := range msg.builds {
		delete(m.follow.unconfirmed, b.UUID)
	}
	if len(msg.gone) > 0 {
		m.forget(msg.gone)
	}
	// The next round is armed before the builds are stored: storing must
	// not start another round at once.
	next := retry
	if ok {
		next = p.arm(m.followPace(msg.builds), m.now, m.after)
	}
	cmds := []tea.Cmd{next}
	if len(msg.builds) > 0 || len(msg.gone) > 0 {
		cmds = append(cmds, m.store(msg.builds...))
		m.syncSelection(&cmds)
	}
	return tea.Batch(cmds...)
}

// followPace is the wait before the next round: the active pace, or
// queuedEvery when all the round read were queued builds whose start an
// event will tell.
func (m *Model) followPace(read []model.Build) time.Duration {
	if len(read) == 0 {
		return m.opts.PollActive
	}
	for _, b := range read {
		if b.Status != model.StatusQueued || !m.covers(b.WorkerTag) {
			return m.opts.PollActive
		}
	}
	return max(queuedEvery, m.opts.PollActive)
}

// forget drops builds the API says do not exist; a Worker whose latest was
// one of them falls back to its newest build still known.
func (m *Model) forget(uuids []string) {
	for _, uuid := range uuids {
		b, ok := m.builds[uuid]
		delete(m.follow.unconfirmed, uuid)
		if !ok {
			continue
		}
		delete(m.builds, uuid)
		if m.latestByTag[b.WorkerTag] != uuid {
			continue
		}
		newest := model.Build{}
		for _, o := range m.builds {
			if o.WorkerTag == b.WorkerTag && o.CreatedOn.After(newest.CreatedOn) {
				newest = o
			}
		}
		m.latestByTag[b.WorkerTag] = newest.UUID
	}
}

// confirmed drops from bs the builds only an event has named: the history
// records what the API knows.
func (m *Model) confirmed(bs []model.Build) []model.Build {
	if len(m.follow.unconfirmed) == 0 {
		return bs
	}
	out := make([]model.Build, 0, len(bs))
	for _, b := range bs {
		if !m.follow.unconfirmed[b.UUID] {
			out = append(out, b)
		}
	}
	return out
}
