package tui

// The selection: which build the detail and the log show, loaded once the
// list stops moving, its requests cancelled when it moves on.

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/detail"
)

// syncSelection loads the list's selection when nothing is loaded yet (the
// first builds arrived).
func (m *Model) syncSelection(cmds *[]tea.Cmd) {
	if _, ok := m.list.Selected(); ok && m.selUUID == "" {
		*cmds = append(*cmds, m.loadSelection())
	}
}

// loadSelection makes the list's selection the loaded build: cancels the old
// selection's requests, empties the log, and starts reading the new one.
func (m *Model) loadSelection() tea.Cmd {
	b, ok := m.list.Selected()
	if !ok {
		return nil
	}
	if b.UUID == m.selUUID {
		return nil
	}
	m.stopSelection()
	ctx, cancel := context.WithCancel(m.life)
	m.selCtx, m.selCancel = ctx, cancel
	m.selUUID = b.UUID
	m.tail = model.Tail{UUID: b.UUID}
	m.pagesRead, m.events, m.pace = 0, nil, model.ReadPace{}
	m.detail.SetBuild(b, true)
	deploys := m.queueDeploys(b.WorkerTag, true)
	m.log.Reset(fmt.Sprintf("%s %s", model.SanitizeInline(b.WorkerName), b.ShortCommit()), b.StartedAt())
	m.log.SetNote("loading" + m.st.Ellipsis())
	seq := m.poll[pollSelected].restart()
	return tea.Batch(deploys, fetchSelected(ctx, m.src, seq, m.tail, b.Finished(), false))
}

// unloadSelection empties the log at once when the build under ▸ is no
// longer the loaded one: the detail and the log never show two builds
// while the cursor settles, and show nothing when the list shows nothing.
func (m *Model) unloadSelection() {
	if m.selUUID == "" {
		return
	}
	m.stopSelection()
	m.selUUID, m.tail = "", model.Tail{}
	m.pagesRead, m.events, m.pace = 0, nil, model.ReadPace{}
	p := m.poll[pollSelected]
	p.seq++ // a reply on its way is stale
	p.gen++ // and so is an armed tick
	p.inFlight = false
	if b, ok := m.list.Selected(); ok {
		m.log.Reset(fmt.Sprintf("%s %s", model.SanitizeInline(b.WorkerName), b.ShortCommit()), b.StartedAt())
		m.log.SetNote("loading" + m.st.Ellipsis())
	} else {
		m.log.Reset("", time.Time{})
		m.log.SetNote("no build selected")
	}
	m.syncPhases()
}

// stopSelection cancels the loaded selection's requests.
func (m *Model) stopSelection() {
	if m.selCancel != nil {
		m.selCancel()
		m.selCtx, m.selCancel = nil, nil
	}
}

func (m *Model) onSelected(msg selectedMsg) tea.Cmd {
	p := m.poll[pollSelected]
	if msg.uuid != m.selUUID || msg.seq != p.seq {
		return nil // a previous selection or an older poll
	}
	// Lines come with their tail state even on error: nothing is lost or repeated.
	if len(msg.step.Lines) > 0 {
		m.log.Append(msg.step.Lines)
	}
	if msg.step.Events != nil {
		m.events = msg.step.Events
	}
	m.tail = msg.step.Tail
	m.syncPhases()
	var note tea.Cmd
	if msg.hasB {
		note = m.store(msg.build)
		m.log.SetStart(msg.build.StartedAt())
	}
	if ok, retry := p.done(msg.seq, msg.err, m.now, m.after); !ok {
		m.log.SetNote("retrying: " + errorText(msg.err))
		return tea.Batch(note, retry)
	}
	m.pagesRead += msg.step.Pages
	if msg.step.More {
		// A long log comes a few pages a step: the next step at once,
		// paced by the budget, and the pane says how far the read is.
		reading := fmt.Sprintf("reading page %d, budget-paced", m.pagesRead)
		if left, ok := m.paceRead(); ok {
			reading += " · about " + model.FormatDuration(left) + " left"
		}
		m.log.SetNote(reading)
		return tea.Batch(note, m.startSelected())
	}
	if m.tail.Done {
		if b, ok := m.builds[m.selUUID]; ok {
			m.rememberPhases(b)
		}
		m.log.SetNote("complete")
		return tea.Batch(note, m.readFailure())
	}
	if m.log.Store().Len() == 0 {
		// A build that has written nothing yet: "live" would promise lines.
		m.log.SetNote("waiting for the first lines" + m.st.Ellipsis())
	} else {
		m.log.SetNote("live")
	}
	return tea.Batch(note, p.arm(m.opts.PollLog, m.now, m.after))
}

func (m *Model) startSelected() tea.Cmd {
	if m.selUUID == "" || m.tail.Done || m.selCtx == nil {
		return nil
	}
	seq, ok := m.poll[pollSelected].start()
	if !ok {
		return nil
	}
	b, known := m.builds[m.selUUID]
	// The latest-builds poll already keeps a Worker's newest build fresh:
	// asking for it again would spend the budget twice.
	fresh := known && m.latestByTag[b.WorkerTag] == b.UUID
	ctx := m.selCtx
	if m.pagesRead > 0 {
		ctx = model.WithPriority(ctx, model.LiveTail) // the first page is someone's wait; the rest is the tail
	}
	return fetchSelected(ctx, m.src, seq, m.tail, known && b.Finished(), fresh)
}

// underCursor is the uuid of the build under ▸ as the list shows it now:
// "" when it shows none (the list remembers its selection through a filter
// that hides it, but the detail and the log follow what is shown).
func (m *Model) underCursor() string {
	if b, ok := m.list.Selected(); ok {
		return b.UUID
	}
	return ""
}

// shownBuild is the build the detail shows: the one under ▸ (even before
// its log is loaded), or none when the list shows none (a filter that
// matches nothing). Cancel, copy and open act on it: never on a build the
// list no longer shows.
func (m *Model) shownBuild() (model.Build, bool) {
	b, ok := m.list.Selected()
	if !ok {
		return model.Build{}, false
	}
	if fresh, known := m.builds[b.UUID]; known {
		return fresh, true
	}
	return b, true
}

// paceRead records how far the read of a stopped build's long log is and
// estimates how long it has left, from the pace of its last few seconds
// (model.ReadPace). Called once per page step.
func (m *Model) paceRead() (time.Duration, bool) {
	b, ok := m.builds[m.selUUID]
	st := m.log.Store()
	if !ok || b.StoppedOn == nil || st.Len() == 0 {
		return 0, false
	}
	m.pace.Add(m.now, st.At(0).Time(), st.At(st.Len()-1).Time(), *b.StoppedOn)
	return m.pace.Left()
}

// syncPhases hands the detail what the loaded log showed of its phases.
func (m *Model) syncPhases() {
	marks, deployed := m.log.Phases()
	m.detail.SetPhases(detail.Phases{UUID: m.selUUID, Marks: marks, Events: m.events, Deployed: deployed, Complete: m.tail.Done})
}

// syncUsual gives the detail how long builds like b usually take: worked
// out again when the selection or the number of builds known changes.
func (m *Model) syncUsual(b model.Build) {
	key := fmt.Sprintf("%s|%s|%d", b.UUID, b.State(), len(m.builds))
	if key == m.usualKey {
		return
	}
	m.usualKey = key
	all := func(yield func(model.Build) bool) {
		for _, o := range m.builds {
			if !yield(o) {
				return
			}
		}
	}
	m.detail.SetUsual(model.UsualOf(b, all).WithPhases(b, all, func(uuid string) []model.Span { return m.phaseSpans[uuid] }))
}

// maxPhaseSpans bounds the phases remembered of builds whose logs were read.
const maxPhaseSpans = 500

// rememberPhases keeps the phases of a build whose whole log was read, for
// the usual time of each phase of builds like it.
func (m *Model) rememberPhases(b model.Build) {
	if !b.Finished() || b.Outcome != model.OutcomeSuccess {
		return
	}
	if len(m.phaseSpans) >= maxPhaseSpans {
		clear(m.phaseSpans) // rare; the next reads fill it again
	}
	marks, _ := m.log.Phases()
	m.phaseSpans[b.UUID] = model.Timeline(b, m.events, marks, m.now)
	m.usualKey = "" // worked out again with this build's phases
}

// showSelected puts the build under ▸ in the detail, with its live line.
func (m *Model) showSelected() {
	b, ok := m.shownBuild()
	m.detail.SetBuild(b, ok)
	if ok {
		m.syncUsual(b)
	}
	if ok {
		m.detail.SetLive(m.liveLine(b))
	} else {
		m.detail.SetLive("", "")
	}
}

// selectionMoved starts the settle timer when the list's selection changed:
// flicking through the list loads only where it stops.
func (m *Model) selectionMoved(before string) tea.Cmd {
	if m.underCursor() == before || m.underCursor() == m.selUUID {
		return nil
	}
	m.unloadSelection()
	m.showSelected()
	m.dropCompare() // it compared the build the person left
	m.selGen++
	// Scrolling may have brought Workers on screen whose deployments are unknown.
	return tea.Batch(m.after(m.opts.Settle, settleMsg{gen: m.selGen}), m.queueOnScreen())
}

// failureMsg says why the loaded build failed, read from its whole log.
type failureMsg struct {
	uuid string
	f    model.Failure
}

// readFailure reads the loaded build's log for why it failed, off Update
// (over a snapshot of the store: a failed log can be long).
func (m *Model) readFailure() tea.Cmd {
	b, ok := m.builds[m.selUUID]
	if !ok || !b.Finished() || b.Outcome.OK() {
		return nil
	}
	snap, uuid := m.log.Store().Snapshot(), b.UUID
	return func() tea.Msg {
		var plain []byte
		f := model.FailureOf(func(i int) string {
			plain = model.AppendPlain(plain[:0], snap.At(i).Text)
			return string(plain)
		}, snap.Len())
		return failureMsg{uuid: uuid, f: f}
	}
}
