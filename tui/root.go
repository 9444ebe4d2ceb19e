package tui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/buildinput"
	"github.com/cfbuilds/cfbuilds/tui/buildlist"
	"github.com/cfbuilds/cfbuilds/tui/confirm"
	"github.com/cfbuilds/cfbuilds/tui/detail"
	"github.com/cfbuilds/cfbuilds/tui/helpview"
	"github.com/cfbuilds/cfbuilds/tui/logview"
	"github.com/cfbuilds/cfbuilds/tui/rebuild"
	"github.com/cfbuilds/cfbuilds/tui/statusbar"
)

// Model is the root model.
type Model struct {
	opts Options
	src  model.Source
	st   *styles.Styles
	keys KeyMap
	now  time.Time

	w, h          int
	focus         Pane
	list          buildlist.Model
	detail        detail.Model
	log           logview.Model
	helpv         helpview.Model
	status        statusbar.Model
	overlays      []overlay          // dialogs, prompts and views over the panes; the last has the keys
	marked        string             // the build m marked to compare
	compareGen    int                // the comparison wanted now; a reply of another is dropped
	compareCancel context.CancelFunc // the comparison still reading, if any
	pendingSelect string             // a build started here, to select when it shows

	workers      []model.Worker
	workerByTag  map[string]string
	builds       map[string]model.Build // every known build, by uuid
	sameUUID     map[string]model.Build // a build whose uuid another Worker's build has, by tag/uuid
	latestByTag  map[string]string      // the latest build uuid seen per Worker
	cycle        latestCycle            // the latest-builds poll's cycle (latest.go)
	historyQueue []string               // Worker tags whose history to fetch
	deployQueue  []string               // Worker tags whose deployments to read
	deploys      map[string][]model.Deployment
	asked        map[string]bool   // Worker tags whose deployments were queued for the screen
	historied    map[string]bool   // Worker tags whose history was queued
	versionOf    map[string]string // version id → the build that made it ("" none)
	sweep        int               // next Worker of the slow deployments sweep
	sweepGen     int               // the sweep chain that is current
	poll         map[pollKind]*poller
	lastRefresh  time.Time
	follow       follow // active builds no poll reads, and builds only an event named (follow.go)

	// The loaded selection: the build whose detail and log are shown.
	selUUID    string
	selGen     int             // bumped on every selection move; a settle tick must match
	selCtx     context.Context // the selection's requests; cancelled when it moves
	selCancel  context.CancelFunc
	tail       model.Tail
	pagesRead  int                     // pages of the loaded log read so far
	events     []model.PhaseEvent      // the loaded log's phase timings, as its last page said
	pace       model.ReadPace          // how fast the loaded log's read goes, for its time left
	usualKey   string                  // what the detail's usual times were computed for
	phaseSpans map[string][]model.Span // phases of successful builds whose logs were read

	life     context.Context // the dashboard's lifetime (Options.Context)
	after    timerFunc       // lifeTimer, or a test's virtual clock
	term     Terminal
	clockOn  bool
	flash    string
	flashGen int
	// lastFlash is the last message in full, for ! after it passed or
	// was cut at the bar's width.
	lastFlash string
	quitting  bool
	ev        events // the build events read (events.go)
}

// Init discovers the Workers.
func (m Model) Init() tea.Cmd {
	if len(m.opts.TypedAhead) == 0 {
		return tea.Batch(m.startWorkers(), m.startEvents())
	}
	// Keys typed while the terminal was asked its colours, in their order,
	// as if read now.
	keys := make([]tea.Cmd, 0, len(m.opts.TypedAhead))
	for _, k := range m.opts.TypedAhead {
		keys = append(keys, func() tea.Msg { return k })
	}
	return tea.Batch(m.startWorkers(), m.startEvents(), tea.Sequence(keys...))
}

// Update routes messages: keys to the focused child, data by type.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.now = m.opts.Now()
	m.list.SetNow(m.now)
	m.detail.SetNow(m.now)
	if d := m.cancelDialog(); d != nil {
		d.SetNow(m.now)
	}
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.resize()
		cmd = m.queueOnScreen() // more rows may show more Workers
	case tea.KeyMsg:
		return m.handleKey(msg)
	case workersMsg:
		cmd = m.onWorkers(msg)
	case latestMsg:
		cmd = m.onLatest(msg)
	case historyMsg:
		cmd = m.onHistory(msg)
	case selectedMsg:
		cmd = m.onSelected(msg)
	case deploysMsg:
		cmd = m.onDeploys(msg)
	case followMsg:
		cmd = m.onFollow(msg)
	case pollMsg:
		cmd = m.onPoll(msg)
	case sweepMsg:
		cmd = m.onSweep(msg)
	case settleMsg:
		cmd = m.onSettle(msg)
	case failureMsg:
		if m.opts.Recorder != nil && msg.f.Line >= 0 {
			m.opts.Recorder.RecordFailure(msg.uuid, msg.f)
		}
		if msg.uuid == m.selUUID {
			m.detail.SetFailure(msg.uuid, msg.f)
			m.log.SetFailLine(msg.f.Line)
		}
	case clockMsg:
		m.clockOn = false
	case flashExpiredMsg:
		if msg.gen == m.flashGen {
			m.flash = ""
		}
	default:
		cmd = m.onAction(msg)
	}
	return m, tea.Batch(cmd, m.armClock())
}

// onAction takes the messages of what a person did: dialogs answered,
// writes sent, logs saved, things copied, builds compared.
func (m *Model) onAction(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case confirm.ConfirmedMsg:
		cmd = m.onConfirmed(msg)
	case confirm.AbortedMsg:
		cmd = m.onAborted()
	case cancelMsg:
		cmd = m.onCancel(msg)
	case triggersMsg:
		cmd = m.onTriggers(msg)
	case rebuild.ConfirmedMsg:
		cmd = m.onRebuildConfirmed(msg)
	case rebuild.AbortedMsg:
		m.closeOverlay(m.rebuildDialog())
		cmd = m.setFlash("not rebuilt")
	case startedMsg:
		cmd = m.onStarted(msg)
	case buildinput.SubmittedMsg:
		cmd = m.onBuildSubmitted(msg)
	case buildinput.ClosedMsg:
		m.closeOverlay(m.buildPrompt())
	case logview.SearchDoneMsg:
		m.log, cmd = m.log.Update(msg)
	case logview.SaveMsg:
		cmd = m.save()
	case savedMsg:
		cmd = m.onSaved(msg)
	case copiedMsg:
		cmd = m.onCopied(msg)
	case eventsMsg:
		cmd = m.onEvents(msg)
	case statsMsg:
		cmd = m.onStats(msg)
	case compareMsg:
		cmd = m.onCompared(msg)
	}
	return cmd
}

// onSettle loads the selection once the cursor has rested on it.
func (m *Model) onSettle(msg settleMsg) tea.Cmd {
	if msg.gen != m.selGen {
		return nil // the cursor moved on
	}
	return m.loadSelection()
}

func (m *Model) onSaved(msg savedMsg) tea.Cmd {
	if msg.err != nil {
		return m.setFlash("save failed: " + errorText(msg.err))
	}
	return m.setFlash(fmt.Sprintf("saved %d lines to %s", msg.lines, msg.path))
}

func (m *Model) onCopied(msg copiedMsg) tea.Cmd {
	switch {
	case msg.err != nil:
		return m.setFlash("copy failed: " + errorText(msg.err))
	case msg.opened:
		return m.setFlash("opened the dashboard in your browser")
	case msg.noBrowser != "":
		return m.setFlash("no browser here (" + m.keys.Global.CopyURL.Help().Key + " copies the link): " + model.SanitizeInline(msg.noBrowser))
	}
	// Whether the terminal took it cannot be known from here.
	return m.setFlash("sent the " + msg.what + " to the terminal's clipboard")
}

// armClock ticks once a second while something runs, so durations move;
// with nothing running nothing is redrawn.
func (m *Model) armClock() tea.Cmd {
	// Also while calls fail: the status bar counts how long.
	if m.clockOn || !m.anyActive() && !m.src.Health().Failing {
		return nil
	}
	m.clockOn = true
	return m.after(time.Second, clockMsg{})
}

// setStyles changes the styles of the root and every pane.
func (m *Model) setStyles(st *styles.Styles) {
	m.st = st
	m.list.SetStyles(st)
	m.detail.SetStyles(st)
	m.log.SetStyles(st)
	m.status.SetStyles(st)
	m.helpv.SetStyles(st)
	if c := m.comparison(); c != nil {
		c.SetStyles(st)
	}
}

func (m *Model) setFlash(s string) tea.Cmd {
	m.flashGen++
	m.flash, m.lastFlash = s, s
	gen := m.flashGen
	return m.after(6*time.Second, flashExpiredMsg{gen: gen})
}

func (m *Model) resize() {
	header, footer := m.headerView(), m.footerView()
	l := computeLayout(m.w, m.h, lipgloss.Height(header), lipgloss.Height(footer), m.focus)
	m.list.SetSize(l.List.W, l.List.H)
	m.detail.SetSize(l.Detail.W, l.Detail.H)
	m.log.SetSize(l.Log.W, l.Log.H)
	m.status.SetSize(m.w)
	for _, o := range m.overlays {
		o.setSize(m.w, l.BodyH)
	}
}
