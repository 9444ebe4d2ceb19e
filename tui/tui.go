// Package tui is the cfbuilds dashboard: a bubbletea program whose root model
// composes small children (build list, detail, log pane, status bar, help,
// cancel dialog), routes keys to the focused one and data messages by type,
// and polls the API through tea.Cmds that never touch the model.
package tui

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/buildlist"
	"github.com/cfbuilds/cfbuilds/tui/detail"
	"github.com/cfbuilds/cfbuilds/tui/helpview"
	"github.com/cfbuilds/cfbuilds/tui/logview"
	"github.com/cfbuilds/cfbuilds/tui/statusbar"
)

// Options configure the dashboard.
type Options struct {
	Source    model.Source
	Account   string // shown in the status bar
	AccountID string // for dashboard URLs
	ReadOnly  bool
	// ReadOnlyWhy says why, in the help and refusals (default: "started
	// with --read-only").
	ReadOnlyWhy string
	PollActive  time.Duration // latest builds while any is active (default 3 s)
	PollIdle    time.Duration // latest builds when all are idle (default 30 s)
	PollLog     time.Duration // the selected active build and its log (default 2 s)
	OnlyWorkers []string      // Worker names to watch; empty: all
	Commit      string        // show only this commit's builds (":commit SHA" in the filter)
	SaveDir     string
	// NoSave turns ctrl+s off and says why (the dashboard is served over
	// SSH: the file would land on the server, not with the viewer).
	NoSave       string
	ASCII        bool
	Theme        string
	AbsoluteTime bool
	UTC          bool
	Keys         map[string][]string
	AltScreen    bool
	// Terminal is what the terminal supports (DetectTerminal).
	Terminal Terminal

	// Notify says which finished builds ring: "selected" (default), "all"
	// or "none"; NotifyBy maps an outcome ("success", "fail", "cancelled",
	// "terminated", "skipped", or "*" for any) to channels: "bell",
	// "osc9", "osc777". Default: bell and OSC 9 for every outcome.
	Notify   string
	NotifyBy map[string][]string
	// Open opens a URL with the system opener (default: xdg-open or open).
	Open func(url string) error

	// Out is where cfbuilds writes its own sequences (OSC 52, notifications):
	// the terminal, beside bubbletea's frames (default stderr).
	Out io.Writer

	// Context is the dashboard's lifetime: when it ends, calls in flight
	// are cancelled and no timer is left (an SSH session that closed).
	// Default: Run's ctx.
	Context context.Context
	// OnRefused, when set, is told of each write a read-only dashboard
	// refused ("cancel", "rebuild", "build"): serve's audit log.
	OnRefused func(what string)
	// Viewers, when set, is how many people watch this dashboard (served
	// over SSH), for the status bar.
	Viewers func() int

	// For tests: a fixed clock, a renderer without colour, a short settle.
	Now      func() time.Time
	Renderer *lipgloss.Renderer
	// Events is the feed of build events (nil: polling only).
	Events model.EventFeed
	// Recorder keeps every build seen in the local history (nil: none);
	// Stats reads it for the stats view (S).
	Recorder model.BuildRecorder
	Stats    model.StatsReader
	// TypedAhead are keys typed before the program started (while the
	// terminal was asked its background: DetectBackground).
	TypedAhead []tea.KeyMsg
	Settle     time.Duration
}

func (o *Options) defaults() {
	if o.PollActive <= 0 {
		o.PollActive = 3 * time.Second
	}
	if o.PollIdle <= 0 {
		o.PollIdle = 30 * time.Second
	}
	if o.PollLog <= 0 {
		o.PollLog = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SaveDir == "" {
		o.SaveDir = "."
	}
	if o.Out == nil {
		o.Out = os.Stderr
	}
	if o.Notify == "" {
		o.Notify = "selected"
	}
	if o.NotifyBy == nil {
		o.NotifyBy = map[string][]string{"*": {"bell", "osc9"}}
	}
	if o.Open == nil {
		o.Open = openURL
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	if o.ReadOnlyWhy == "" {
		o.ReadOnlyWhy = "started with --read-only"
	}
	if o.Settle <= 0 {
		o.Settle = 150 * time.Millisecond
	}
}

// New builds the root model.
func New(o Options) (Model, error) {
	o.defaults()
	keys := DefaultKeyMap()
	if err := keys.Rebind(o.Keys); err != nil {
		return Model{}, err
	}
	st := styles.New(o.Renderer, o.Theme, o.ASCII)
	glam := "ascii" // no colour and no markup characters left in the text
	if st.Colour && !o.ASCII {
		glam = "dark"
		if !st.Dark {
			glam = "light"
		}
	}
	m := Model{
		opts:        o,
		src:         o.Source,
		st:          st,
		keys:        keys,
		now:         o.Now(),
		list:        buildlist.New(st, keys.List),
		detail:      detail.New(st, keys.Detail, o.AccountID, glam),
		log:         logview.New(st, keys.Log),
		status:      statusbar.New(st, keys),
		helpv:       helpview.New(st, helpview.DefaultKeyMap()),
		builds:      map[string]model.Build{},
		sameUUID:    map[string]model.Build{},
		latestByTag: map[string]string{},
		deploys:     map[string][]model.Deployment{},
		asked:       map[string]bool{},
		historied:   map[string]bool{},
		versionOf:   map[string]string{},
		phaseSpans:  map[string][]model.Span{},
		workerByTag: map[string]string{},
		poll:        map[pollKind]*poller{},
		follow:      follow{unconfirmed: map[string]bool{}},
		life:        o.Context,
		after:       lifeTimer(o.Context),
		term:        o.Terminal,
	}
	// The first wait after an error: the poll's own pace.
	base := map[pollKind]time.Duration{pollWorkers: o.PollActive, pollLatest: o.PollActive, pollHistory: o.PollActive,
		pollSelected: o.PollLog, pollDeploys: o.PollIdle, pollFollow: o.PollActive}
	for _, k := range allPolls {
		m.poll[k] = &poller{kind: k, base: base[k]}
	}
	m.list.SetTimeDisplay(o.AbsoluteTime, o.UTC)
	if o.Commit != "" {
		m.list.SetFilter(":commit " + o.Commit)
	}
	m.detail.SetUTC(o.UTC)
	m.detail.SetLinker(o.Terminal.Link)
	m.log.SetUTC(o.UTC)
	m.helpv.SetGroups(keys.helpGroups(st, o.ReadOnly))
	if o.ReadOnly {
		m.helpv.SetNote("read-only: cancel, rebuild and build are off (" + o.ReadOnlyWhy + ")")
	}
	m.setFocus(PaneList)
	return m, nil
}

// Run runs the dashboard until the user quits or ctx ends (SIGTERM, SIGHUP).
func Run(ctx context.Context, o Options, extra ...tea.ProgramOption) error {
	if o.Context == nil {
		o.Context = ctx
	}
	m, err := New(o)
	if err != nil {
		return err
	}
	// Signals come through ctx (main listens for SIGINT, SIGTERM and SIGHUP).
	// bubbletea's own handler would race it for SIGTERM: if both fire, its
	// QuitMsg has no reader left and the shutdown waits on it forever.
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithoutSignalHandler()}
	if o.AltScreen {
		opts = append(opts, tea.WithAltScreen())
	}
	opts = append(opts, extra...)
	final, err := tea.NewProgram(m, opts...).Run()
	if fm, ok := final.(Model); ok {
		fm.stopSelection()
	}
	if err != nil && ctx.Err() != nil {
		// A signal ended the program: the terminal is restored; not an error.
		return nil
	}
	if err != nil {
		return fmt.Errorf("run the dashboard: %w", err)
	}
	return nil
}
