package tui

// The data side of the root model: discovering Workers, polling the latest
// builds and histories, and merging what arrives.

import (
	tea "github.com/charmbracelet/bubbletea"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

func (m *Model) startWorkers() tea.Cmd {
	seq, ok := m.poll[pollWorkers].start()
	if !ok {
		return nil
	}
	return fetchWorkers(m.life, m.src, seq, nil)
}

// lookForWorkers is the periodic listing: the Workers known now go with
// it, so the answer adds the new ones without starting the loop again.
func (m *Model) lookForWorkers() tea.Cmd {
	if !m.cycle.sweptOnce {
		return m.startWorkers() // the first cycle is not done: nothing to keep
	}
	seq, ok := m.poll[pollWorkers].start()
	if !ok {
		return nil
	}
	known := make(map[string]bool, len(m.workers))
	for _, w := range m.workers {
		known[w.Tag] = true
	}
	return fetchWorkers(m.life, m.src, seq, known)
}

func (m *Model) tags() []string {
	out := make([]string, len(m.workers))
	for i, w := range m.workers {
		out[i] = w.Tag
	}
	return out
}

func (m *Model) startHistory() tea.Cmd {
	if len(m.historyQueue) == 0 {
		return nil
	}
	seq, ok := m.poll[pollHistory].start()
	if !ok {
		return nil
	}
	tag := m.historyQueue[0]
	m.historyQueue = m.historyQueue[1:]
	w := model.Worker{Tag: tag}
	for _, wk := range m.workers {
		if wk.Tag == tag {
			w = wk
		}
	}
	return fetchHistory(m.life, m.src, seq, w)
}

func (m *Model) queueHistory(tag string) {
	m.historied[tag] = true
	for _, t := range m.historyQueue {
		if t == tag {
			return
		}
	}
	m.historyQueue = append(m.historyQueue, tag)
}

// anyActive reports whether any known build is queued or running.
func (m *Model) anyActive() bool {
	for _, b := range m.builds {
		if b.Active() {
			return true
		}
	}
	return false
}

// maxPerWorker bounds the builds kept per Worker, so hours of pushes cannot
// grow memory without end.
const maxPerWorker = 50

// store merges builds and refreshes the list, keeping the selection. It
// returns the notifications for builds it saw finish.
func (m *Model) store(bs ...model.Build) tea.Cmd {
	var notes []tea.Cmd
	before := m.underCursor()
	for _, b := range bs {
		if b.UUID == "" {
			continue
		}
		if old, ok := m.builds[b.UUID]; ok && old.WorkerTag != "" && b.WorkerTag != "" && old.WorkerTag != b.WorkerTag {
			// Two Workers answered with one build uuid (an API mistake):
			// both are shown, the second kept apart.
			if name, ok := m.workerByTag[b.WorkerTag]; ok {
				b.WorkerName = name
			}
			m.sameUUID[b.WorkerTag+"/"+b.UUID] = b
			continue
		}
		if name, ok := m.workerByTag[b.WorkerTag]; ok {
			b.WorkerName = name
		}
		if old, ok := m.builds[b.UUID]; ok && old.Finished() && b.Active() {
			continue // an older answer (a cache, an event first): a stopped build stays stopped
		}
		if !b.Active() {
			m.list.SetCancelling(b.UUID, false)
		}
		old, had := m.builds[b.UUID]
		if had && old.Active() && b.Finished() {
			notes = append(notes, m.finished(b))
			if b.Outcome == model.OutcomeSuccess {
				// A successful build deploys: look at its Worker soon.
				notes = append(notes, m.queueDeploys(b.WorkerTag, true))
			}
		} else if !had && b.Outcome == model.OutcomeSuccess && m.opts.Commit != "" && (model.Push{Commit: m.opts.Commit}).Builds(b) {
			// A build of the --commit view first seen done: its Worker's
			// deployments are read after it, not judged from an older read.
			notes = append(notes, m.queueDeploys(b.WorkerTag, true))
		}
		m.builds[b.UUID] = b
		if d := m.cancelDialog(); d != nil {
			d.SetBuild(b) // the dialog shows the state as it is now
		}
	}
	if m.opts.Recorder != nil {
		m.opts.Recorder.Record(m.confirmed(bs)) // a channel send: the disk is another goroutine's
	}
	all := make([]model.Build, 0, len(m.builds)+len(m.sameUUID))
	for _, b := range m.builds {
		all = append(all, b)
	}
	for _, b := range m.sameUUID {
		all = append(all, b)
	}
	model.SortNewestFirst(all)
	// Trim each Worker to its newest maxPerWorker (never the selection),
	// and what is kept beside the builds with them.
	count := map[string]int{}
	kept := all[:0]
	for _, b := range all {
		count[b.WorkerTag]++
		if count[b.WorkerTag] > maxPerWorker && b.UUID != m.selUUID {
			if known, ok := m.builds[b.UUID]; ok && known.WorkerTag == b.WorkerTag {
				delete(m.builds, b.UUID)
				delete(m.follow.unconfirmed, b.UUID)
			} else {
				delete(m.sameUUID, b.WorkerTag+"/"+b.UUID)
			}
			continue
		}
		kept = append(kept, b)
	}
	m.list.SetBuilds(kept)
	m.refreshLive() // and the detail: the build under ▸, fresh
	notes = append(notes, m.queueOnScreen(), m.selectPending(), m.startFollow())
	// The build under ▸ changed under the user (it left an active-only
	// list, a filter dropped it): load the one now under ▸, so the detail,
	// the log and cancel all follow the row.
	if now := m.underCursor(); now != before && now != "" && m.selUUID != "" && now != m.selUUID {
		notes = append(notes, m.loadSelection())
	} else if now == "" && m.selUUID != "" {
		m.unloadSelection() // the list shows no build: nor do the detail and the log
		m.showSelected()
	}
	return tea.Batch(notes...)
}

func (m *Model) onWorkers(msg workersMsg) tea.Cmd {
	if ok, retry := m.poll[pollWorkers].done(msg.seq, msg.err, m.now, m.after); !ok {
		m.noteRefusal(msg.err)
		return retry
	}
	ws := msg.workers
	if len(m.opts.OnlyWorkers) > 0 {
		want := map[string]bool{}
		for _, n := range m.opts.OnlyWorkers {
			want[n] = true
		}
		kept := ws[:0:0]
		for _, w := range ws {
			if want[w.Name] {
				kept = append(kept, w)
			}
		}
		ws = kept
	}
	m.workers = ws
	m.list.SetEmptyNote("")
	if len(ws) == 0 {
		m.list.SetEmptyNote("no Workers found: the account has none, the [accounts] workers filter matches none, or the token lacks Workers Scripts Read (r to retry)")
	}
	m.workerByTag = map[string]string{}
	for _, w := range ws {
		m.workerByTag[w.Tag] = w.Name
	}
	m.countUncovered() // a Worker made since the queue's subscriptions were read is polled
	next := m.poll[pollWorkers].arm(workersEvery, m.now, m.after)
	if added, periodic := m.newTags(msg.known), msg.known != nil; periodic {
		// The periodic look: the loop goes on; a Worker made since is
		// read in the next call, then polled like the others.
		if len(added) > 0 {
			m.cycle.queue = append(chunk(added), m.cycle.queue...)
		}
		return tea.Batch(next, m.startLatest())
	}
	// A fresh start of the latest-builds loop: ticks armed before are void,
	// and the first cycle reads every Worker again.
	lp := m.poll[pollLatest]
	lp.gen++
	m.cycle.queue, m.cycle.sweptOnce, m.cycle.rotation = nil, false, 0
	return tea.Batch(next, m.startLatest(), m.restartSweep())
}

// workersEvery is how often the Workers are listed again (one call): a
// Worker made since shows and is polled, and one deleted goes.
const workersEvery = 10 * time.Minute

// newTags is the Workers' tags not in known.
func (m *Model) newTags(known map[string]bool) []string {
	var out []string
	for _, w := range m.workers {
		if !known[w.Tag] {
			out = append(out, w.Tag)
		}
	}
	return out
}

func (m *Model) onLatest(msg latestMsg) tea.Cmd {
	p := m.poll[pollLatest]
	if ok, retry := p.done(msg.seq, msg.err, m.now, m.after); !ok {
		m.noteRefusal(msg.err)
		return retry
	}
	m.lastRefresh = m.now
	var cmds []tea.Cmd
	var fresh []model.Build
	for tag, b := range msg.builds {
		if b.WorkerTag == "" {
			b.WorkerTag = tag
		}
		if prev := m.latestByTag[tag]; prev != b.UUID {
			m.latestByTag[tag] = b.UUID
			// A new build: its Worker's history changed. At first sight,
			// only a Worker built lately is worth its history's calls, and
			// only the first maxHot of them: an account of 2,000 Workers
			// would spend minutes of budget on histories nobody looks at.
			// Those on screen are read too (queueOnScreen).
			if prev != "" || (b.Active() || m.now.Sub(b.CreatedOn) < hotFor) && len(m.historied) < maxHot {
				m.queueHistory(tag)
			}
		}
		fresh = append(fresh, b)
	}
	cmds = append(cmds, m.store(fresh...))
	m.syncSelection(&cmds)
	cmds = append(cmds, m.startHistory())
	if len(m.cycle.queue) > 0 {
		if m.reconciling() {
			// Events carry the news: the round's calls spread over the
			// minute instead of a burst.
			return tea.Batch(append(cmds, p.arm(reconcileEvery/time.Duration(max(m.cycle.calls, 1)), m.now, m.after))...)
		}
		// The cycle goes on: the next batch at once (the budget paces it).
		return tea.Batch(append(cmds, m.startLatest())...)
	}
	m.cycle.sweptOnce = true
	// Once per cycle, not per frame: it walks and may sort every tag.
	m.cycle.rotation = m.coldSweep()
	cmds = append(cmds, p.arm(m.latestInterval(), m.now, m.after))
	return tea.Batch(cmds...)
}

func (m *Model) onHistory(msg historyMsg) tea.Cmd {
	if ok, retry := m.poll[pollHistory].done(msg.seq, msg.err, m.now, m.after); !ok {
		if retry != nil {
			m.queueHistory(msg.tag) // failed: ask again on the retry
		}
		return retry
	}
	for i := range msg.builds {
		if msg.builds[i].WorkerTag == "" {
			msg.builds[i].WorkerTag = msg.tag
		}
	}
	cmds := []tea.Cmd{m.store(msg.builds...)}
	m.syncSelection(&cmds)
	cmds = append(cmds, m.startHistory())
	return tea.Batch(cmds...)
}

func (m *Model) onPoll(msg pollMsg) tea.Cmd {
	p := m.poll[msg.kind]
	if msg.gen != p.gen {
		return nil // armed before a reset
	}
	switch msg.kind {
	case pollWorkers:
		return m.lookForWorkers()
	case pollLatest:
		return m.startLatest()
	case pollHistory:
		return m.startHistory()
	case pollSelected:
		return m.startSelected()
	case pollDeploys:
		return m.startDeploys()
	case pollFollow:
		return m.startFollow()
	}
	return nil
}

// refresh rediscovers Workers and polls everything now.
func (m *Model) refresh() tea.Cmd {
	for _, k := range []pollKind{pollWorkers, pollLatest, pollSelected} {
		m.poll[k].gen++
		m.poll[k].backoff = 0
	}
	return tea.Batch(m.startWorkers(), m.startSelected())
}

// noteRefusal makes an empty list say why it is empty when the token was
// refused, instead of "no builds yet".
func (m *Model) noteRefusal(err error) {
	if err != nil && refused(err) {
		m.list.SetEmptyNote("no builds: " + meaning(err))
	}
}
