package tui

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
)

// Model is the root model.
type Model struct {
	opts Options
	src  Source
	st   *styles.Styles
	keys KeyMap
	now  time.Time

	w, h     int
	focus    Pane
	list     BuildList
	detail   Detail
	log      LogView
	help     help.Model
	showHelp bool
	dialog   *cancelDialog

	workers      []model.Worker
	workerByTag  map[string]string
	builds       map[string]model.Build // every known build, by uuid
	latestByTag  map[string]string      // the latest build uuid seen per Worker
	historyQueue []string               // Worker tags whose history to fetch
	deployQueue  []string               // Worker tags whose deployments to read
	deploys      map[string][]model.Deployment
	versionOf    map[string]string // version id → the build that made it ("" none)
	sweep        int               // next Worker of the slow deployments sweep
	poll         map[pollKind]*poller
	lastRefresh  time.Time

	// The loaded selection: the build whose detail and log are shown.
	selUUID   string
	selGen    int             // bumped on every selection move; a settle tick must match
	selCtx    context.Context // the selection's requests; cancelled when it moves
	selCancel context.CancelFunc
	tail      api.Tail

	after    timerFunc // realTimer, or a test's virtual clock
	term     Terminal
	clockOn  bool
	flash    string
	flashGen int
	quitting bool
}

// cancelDialog asks before cancelling a build.
type cancelDialog struct {
	build model.Build
	err   string
	sent  bool
}

// Init discovers the Workers.
func (m Model) Init() tea.Cmd {
	return m.startWorkers()
}

func (m *Model) startWorkers() tea.Cmd {
	p := m.poll[pollWorkers]
	if p.inFlight {
		return nil
	}
	p.seq++
	p.inFlight = true
	return fetchWorkers(m.src, p.seq)
}

func (m *Model) tags() []string {
	out := make([]string, len(m.workers))
	for i, w := range m.workers {
		out[i] = w.Tag
	}
	return out
}

func (m *Model) startLatest() tea.Cmd {
	p := m.poll[pollLatest]
	if p.inFlight || len(m.workers) == 0 {
		return nil
	}
	p.seq++
	p.inFlight = true
	return fetchLatest(m.src, p.seq, m.tags())
}

func (m *Model) startHistory() tea.Cmd {
	p := m.poll[pollHistory]
	if p.inFlight || len(m.historyQueue) == 0 {
		return nil
	}
	tag := m.historyQueue[0]
	m.historyQueue = m.historyQueue[1:]
	p.seq++
	p.inFlight = true
	return fetchHistory(m.src, p.seq, tag)
}

func (m *Model) queueHistory(tag string) {
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
	for _, b := range bs {
		if b.UUID == "" {
			continue
		}
		if name, ok := m.workerByTag[b.WorkerTag]; ok {
			b.WorkerName = name
		}
		if !b.Active() {
			m.list.SetCancelling(b.UUID, false)
		}
		if old, ok := m.builds[b.UUID]; ok && old.Active() && b.Finished() {
			notes = append(notes, m.finished(b))
			if b.Outcome == model.OutcomeSuccess {
				// A successful build deploys: look at its Worker soon.
				notes = append(notes, m.queueDeploys(b.WorkerTag, true))
			}
		}
		m.builds[b.UUID] = b
	}
	all := make([]model.Build, 0, len(m.builds))
	for _, b := range m.builds {
		all = append(all, b)
	}
	api.SortNewestFirst(all)
	// Trim each Worker to its newest maxPerWorker (never the selection).
	count := map[string]int{}
	kept := all[:0]
	for _, b := range all {
		count[b.WorkerTag]++
		if count[b.WorkerTag] > maxPerWorker && b.UUID != m.selUUID {
			delete(m.builds, b.UUID)
			continue
		}
		kept = append(kept, b)
	}
	m.list.SetBuilds(kept)
	m.refreshLive()
	if b, ok := m.builds[m.selUUID]; ok {
		m.detail.SetBuild(b, true)
	}
	return tea.Batch(notes...)
}

// Update routes messages: keys to the focused child, data by type.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.now = m.opts.Now()
	m.list.SetNow(m.now)
	m.detail.SetNow(m.now)
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.resize()
	case tea.KeyMsg:
		return m.handleKey(msg)
	case workersMsg:
		cmds = append(cmds, m.onWorkers(msg))
	case latestMsg:
		cmds = append(cmds, m.onLatest(msg))
	case historyMsg:
		cmds = append(cmds, m.onHistory(msg))
	case selectedMsg:
		cmds = append(cmds, m.onSelected(msg))
	case cancelMsg:
		cmds = append(cmds, m.onCancel(msg))
	case deploysMsg:
		cmds = append(cmds, m.onDeploys(msg))
	case sweepMsg:
		cmds = append(cmds, m.onSweep())
	case savedMsg:
		if msg.err != nil {
			cmds = append(cmds, m.setFlash("save failed: "+errorText(msg.err)))
		} else {
			cmds = append(cmds, m.setFlash(fmt.Sprintf("saved %d lines to %s", msg.lines, msg.path)))
		}
	case copiedMsg:
		switch {
		case msg.err != nil:
			cmds = append(cmds, m.setFlash("copy failed: "+errorText(msg.err)))
		case msg.opened:
			cmds = append(cmds, m.setFlash("opened the dashboard in your browser"))
		default:
			cmds = append(cmds, m.setFlash("copied "+msg.what))
		}
	case pollMsg:
		cmds = append(cmds, m.onPoll(msg))
	case settleMsg:
		if msg.gen == m.selGen {
			cmds = append(cmds, m.loadSelection())
		}
	case clockMsg:
		m.clockOn = false
		cmds = append(cmds, m.armClock())
	case flashExpiredMsg:
		if msg.gen == m.flashGen {
			m.flash = ""
		}
	}
	cmds = append(cmds, m.armClock())
	return m, tea.Batch(cmds...)
}

// armClock ticks once a second while something runs, so durations move;
// with nothing running nothing is redrawn.
func (m *Model) armClock() tea.Cmd {
	if m.clockOn || !m.anyActive() {
		return nil
	}
	m.clockOn = true
	return m.after(time.Second, clockMsg{})
}

func (m *Model) setFlash(s string) tea.Cmd {
	m.flashGen++
	m.flash = s
	gen := m.flashGen
	return m.after(6*time.Second, flashExpiredMsg{gen: gen})
}

func (m *Model) onWorkers(msg workersMsg) tea.Cmd {
	p := m.poll[pollWorkers]
	if msg.seq != p.seq {
		return nil
	}
	p.inFlight = false
	if msg.err != nil {
		wait := p.failed(msg.err, m.opts.PollActive, m.now)
		return p.arm(pollWorkers, wait, m.now, m.after)
	}
	p.succeeded()
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
	m.workerByTag = map[string]string{}
	for _, w := range ws {
		m.workerByTag[w.Tag] = w.Name
	}
	// A fresh start of the latest-builds loop: ticks armed before are void.
	lp := m.poll[pollLatest]
	lp.gen++
	return tea.Batch(m.startLatest(), m.armSweep())
}

func (m *Model) onLatest(msg latestMsg) tea.Cmd {
	p := m.poll[pollLatest]
	if msg.seq != p.seq {
		return nil // an older poll
	}
	p.inFlight = false
	if msg.err != nil {
		wait := p.failed(msg.err, m.opts.PollActive, m.now)
		return p.arm(pollLatest, wait, m.now, m.after)
	}
	p.succeeded()
	m.lastRefresh = m.now
	var cmds []tea.Cmd
	var fresh []model.Build
	for tag, b := range msg.builds {
		if b.WorkerTag == "" {
			b.WorkerTag = tag
		}
		if m.latestByTag[tag] != b.UUID {
			m.latestByTag[tag] = b.UUID
			m.queueHistory(tag)
		}
		fresh = append(fresh, b)
	}
	cmds = append(cmds, m.store(fresh...))
	m.syncSelection(&cmds)
	cmds = append(cmds, m.startHistory())
	cmds = append(cmds, p.arm(pollLatest, m.latestInterval(), m.now, m.after))
	return tea.Batch(cmds...)
}

// latestInterval is the wait before the next latest-builds poll. One poll
// costs a call per 20 Workers, so the wait grows with the calls: while
// builds are active the poll spends one call per PollActive, about 20 a
// minute at the default, whatever the number of Workers.
func (m *Model) latestInterval() time.Duration {
	if !m.anyActive() {
		return m.opts.PollIdle
	}
	calls := (len(m.workers) + 19) / 20
	return m.opts.PollActive * time.Duration(max(calls, 1))
}

func (m *Model) onHistory(msg historyMsg) tea.Cmd {
	p := m.poll[pollHistory]
	if msg.seq != p.seq {
		return nil
	}
	p.inFlight = false
	if msg.err != nil {
		m.queueHistory(msg.tag)
		wait := p.failed(msg.err, m.opts.PollActive, m.now)
		return p.arm(pollHistory, wait, m.now, m.after)
	}
	p.succeeded()
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
	ctx, cancel := context.WithCancel(context.Background())
	m.selCtx, m.selCancel = ctx, cancel
	m.selUUID = b.UUID
	m.tail = api.Tail{UUID: b.UUID}
	m.detail.SetBuild(b, true)
	deploys := m.queueDeploys(b.WorkerTag, true)
	m.log.Reset(fmt.Sprintf("%s %s", model.SanitizeInline(b.WorkerName), b.ShortCommit()), b.StartedAt())
	m.log.SetNote("loading" + m.st.Ellipsis())
	p := m.poll[pollSelected]
	p.seq++
	p.gen++
	p.inFlight = true
	p.succeeded()
	return tea.Batch(deploys, fetchSelected(ctx, m.src, p.seq, m.tail, b.Finished(), false))
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
	p.inFlight = false
	// Lines come with their tail state even on error: nothing is lost or repeated.
	if len(msg.step.Lines) > 0 {
		m.log.Append(msg.step.Lines)
	}
	m.tail = msg.step.Tail
	var note tea.Cmd
	if msg.hasB {
		note = m.store(msg.build)
		m.log.SetStart(msg.build.StartedAt())
	}
	if msg.err != nil {
		wait := p.failed(msg.err, m.opts.PollLog, m.now)
		m.log.SetNote("retrying: " + errorText(msg.err))
		return tea.Batch(note, p.arm(pollSelected, wait, m.now, m.after))
	}
	p.succeeded()
	if m.tail.Done {
		m.log.SetNote("complete")
		return note
	}
	m.log.SetNote("live")
	return tea.Batch(note, p.arm(pollSelected, m.opts.PollLog, m.now, m.after))
}

func (m *Model) startSelected() tea.Cmd {
	p := m.poll[pollSelected]
	if p.inFlight || m.selUUID == "" || m.tail.Done || m.selCtx == nil {
		return nil
	}
	b, known := m.builds[m.selUUID]
	p.seq++
	p.inFlight = true
	// The latest-builds poll already keeps a Worker's newest build fresh:
	// asking for it again would spend the budget twice.
	fresh := known && m.latestByTag[b.WorkerTag] == b.UUID
	return fetchSelected(m.selCtx, m.src, p.seq, m.tail, known && b.Finished(), fresh)
}

func (m *Model) onPoll(msg pollMsg) tea.Cmd {
	p := m.poll[msg.kind]
	if msg.gen != p.gen {
		return nil // armed before a reset
	}
	switch msg.kind {
	case pollWorkers:
		return m.startWorkers()
	case pollLatest:
		return m.startLatest()
	case pollHistory:
		return m.startHistory()
	case pollSelected:
		return m.startSelected()
	case pollDeploys:
		return m.startDeploys()
	}
	return nil
}

func (m *Model) onCancel(msg cancelMsg) tea.Cmd {
	if msg.err != nil {
		m.list.SetCancelling(msg.uuid, false)
		text := "cancel failed: " + errorText(msg.err)
		if m.dialog != nil && m.dialog.build.UUID == msg.uuid {
			m.dialog.err = text
			m.dialog.sent = false
		}
		return m.setFlash(text)
	}
	if m.dialog != nil && m.dialog.build.UUID == msg.uuid {
		m.dialog = nil
	}
	// The row says "cancelling…" until a poll brings the real outcome: poll now.
	lp := m.poll[pollLatest]
	lp.gen++
	var cmds []tea.Cmd
	cmds = append(cmds, m.setFlash("cancel requested"), m.startLatest())
	if msg.uuid == m.selUUID {
		sp := m.poll[pollSelected]
		sp.gen++
		cmds = append(cmds, m.startSelected())
	}
	return tea.Batch(cmds...)
}

// refresh rediscovers Workers and polls everything now.
func (m *Model) refresh() tea.Cmd {
	for _, k := range []pollKind{pollWorkers, pollLatest, pollSelected} {
		m.poll[k].gen++
		m.poll[k].backoff = 0
	}
	return tea.Batch(m.startWorkers(), m.startSelected())
}

func (m *Model) setFocus(p Pane) {
	m.focus = p
	m.list.SetFocused(p == PaneList)
	m.detail.SetFocused(p == PaneDetail)
	m.log.SetFocused(p == PaneLog)
	m.resize()
}

func (m *Model) handleKey(km tea.KeyMsg) (Model, tea.Cmd) {
	g := m.keys.Global
	if km.Type == tea.KeyCtrlC {
		m.quitting = true
		m.stopSelection()
		return *m, tea.Quit
	}
	if m.dialog != nil {
		return *m, m.dialogKey(km)
	}
	if m.list.Typing() && m.focus == PaneList {
		before := m.list.selected
		var cmd tea.Cmd
		m.list, cmd = m.list.Update(km)
		return *m, tea.Batch(cmd, m.selectionMoved(before))
	}
	if m.log.Typing() && m.focus == PaneLog {
		var cmd tea.Cmd
		m.log, cmd = m.log.Update(km)
		return *m, cmd
	}
	if m.showHelp {
		switch {
		case key.Matches(km, g.Quit):
			m.quitting = true
			m.stopSelection()
			return *m, tea.Quit
		case key.Matches(km, g.Help), key.Matches(km, g.Back):
			m.showHelp = false
		}
		return *m, nil
	}
	switch {
	case key.Matches(km, g.Quit):
		m.quitting = true
		m.stopSelection()
		return *m, tea.Quit
	case key.Matches(km, g.Help):
		m.showHelp = true
		return *m, nil
	case key.Matches(km, g.NextPane):
		m.setFocus((m.focus + 1) % paneCount)
		return *m, nil
	case key.Matches(km, g.PrevPane):
		m.setFocus((m.focus + paneCount - 1) % paneCount)
		return *m, nil
	case key.Matches(km, g.Refresh):
		return *m, tea.Batch(m.refresh(), m.setFlash("refreshing"))
	case key.Matches(km, g.Cancel):
		return *m, m.openCancel()
	case key.Matches(km, g.ActiveOnly):
		before := m.list.selected
		on := m.list.ToggleActiveOnly()
		text := "showing all builds"
		if on {
			text = "showing active builds only"
		}
		return *m, tea.Batch(m.setFlash(text), m.selectionMoved(before))
	case key.Matches(km, g.CopyUUID):
		if b, ok := m.currentBuild(); ok {
			return *m, copyCmd(m.opts.Out, m.term, b.UUID, "build uuid")
		}
		return *m, nil
	case key.Matches(km, g.CopyURL):
		if b, ok := m.currentBuild(); ok {
			return *m, copyCmd(m.opts.Out, m.term, model.DashboardURL(m.opts.AccountID, b.WorkerName, b.UUID), "dashboard URL")
		}
		return *m, nil
	case key.Matches(km, g.OpenURL):
		if b, ok := m.currentBuild(); ok {
			return *m, m.openURL(model.DashboardURL(m.opts.AccountID, b.WorkerName, b.UUID))
		}
		return *m, nil
	case key.Matches(km, g.Open) && m.focus == PaneList:
		m.setFocus(PaneLog)
		return *m, m.loadSelection()
	case key.Matches(km, g.Back):
		switch m.focus {
		case PaneList:
			before := m.list.selected
			if m.list.ClearFilter() {
				return *m, m.selectionMoved(before)
			}
		case PaneLog:
			if !m.log.ClearSearch() {
				m.setFocus(PaneList)
			}
		default:
			m.setFocus(PaneList)
		}
		return *m, nil
	case key.Matches(km, m.keys.Log.Save) && m.focus == PaneLog:
		return *m, m.save()
	}
	switch m.focus {
	case PaneList:
		before := m.list.selected
		var cmd tea.Cmd
		m.list, cmd = m.list.Update(km)
		return *m, tea.Batch(cmd, m.selectionMoved(before))
	case PaneDetail:
		n := m.keys.Nav
		switch {
		case key.Matches(km, n.Down):
			m.detail.Scroll(1)
		case key.Matches(km, n.Up):
			m.detail.Scroll(-1)
		case key.Matches(km, n.PageDown), key.Matches(km, n.HalfDown):
			m.detail.Scroll(m.detail.h / 2)
		case key.Matches(km, n.PageUp), key.Matches(km, n.HalfUp):
			m.detail.Scroll(-m.detail.h / 2)
		case key.Matches(km, n.Top):
			m.detail.Scroll(-1 << 20)
		case key.Matches(km, n.Bottom):
			m.detail.Scroll(1 << 20)
		}
		return *m, nil
	}
	var cmd tea.Cmd
	m.log, cmd = m.log.Update(km)
	return *m, cmd
}

// currentBuild is the loaded build, else the list's selection.
func (m *Model) currentBuild() (model.Build, bool) {
	if b, ok := m.builds[m.selUUID]; ok {
		return b, true
	}
	return m.list.Selected()
}

// selectionMoved starts the settle timer when the list's selection changed:
// flicking through the list loads only where it stops.
func (m *Model) selectionMoved(before string) tea.Cmd {
	if m.list.selected == before || m.list.selected == m.selUUID {
		return nil
	}
	if b, ok := m.list.Selected(); ok {
		m.detail.SetBuild(b, true)
	}
	m.selGen++
	return m.after(m.opts.Settle, settleMsg{gen: m.selGen})
}

func (m *Model) openCancel() tea.Cmd {
	b, ok := m.list.Selected()
	if m.focus != PaneList {
		b, ok = m.currentBuild()
	}
	switch {
	case !ok:
		return m.setFlash("no build selected")
	case m.opts.ReadOnly:
		return m.setFlash("read-only: cancel is disabled (started with --read-only)")
	case !b.Cancellable():
		return m.setFlash(fmt.Sprintf("this build has stopped (%s): it cannot be cancelled", b.State()))
	case m.list.Cancelling(b.UUID):
		return m.setFlash("a cancel is already on its way")
	}
	m.dialog = &cancelDialog{build: b}
	return nil
}

// dialogKey: y confirms (one PUT); anything else aborts.
func (m *Model) dialogKey(km tea.KeyMsg) tea.Cmd {
	d := m.dialog
	if d.sent {
		return nil // waiting for the answer; nothing is sent twice
	}
	if km.String() == "y" || km.String() == "Y" {
		d.sent = true
		d.err = ""
		m.list.SetCancelling(d.build.UUID, true)
		return cancelBuild(m.src, d.build.UUID)
	}
	m.dialog = nil
	return m.setFlash("not cancelled")
}

func (m *Model) resize() {
	header, footer := m.headerView(), m.footerView()
	l := ComputeLayout(m.w, m.h, lipgloss.Height(header), lipgloss.Height(footer), m.focus)
	m.list.SetSize(l.List.W, l.List.H)
	m.detail.SetSize(l.Detail.W, l.Detail.H)
	m.log.SetSize(l.Log.W, l.Log.H)
	m.help.Width = m.w
}
