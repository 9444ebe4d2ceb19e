package tui

import (
	"io"
	"sort"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// t0 is the fixed start of every simulated test clock.
var t0 = tuitest.T0

// harness drives the root model headless on a virtual clock: commands run
// synchronously (against the simulator over loopback HTTP), timers wait in a
// queue until the test moves time forward. No sleeps, no real waiting.
type harness struct {
	t      testing.TB
	m      Model
	sim    *sim.Sim
	clock  *simtest.ManualClock
	client *api.Client
	server *sim.Server
	timers []vtimer
	seq    int
	quit   bool
	msgs   int
}

type vtimer struct {
	at  time.Time
	seq int
	msg tea.Msg
}

type timerMsg struct {
	d   time.Duration
	msg tea.Msg
}

// virtualTimer puts a timer in the harness's queue instead of real time.
func virtualTimer(d time.Duration, msg tea.Msg) tea.Cmd {
	return func() tea.Msg { return timerMsg{d: d, msg: msg} }
}

// newHarness starts a simulator with o and a dashboard on it.
func newHarness(t testing.TB, o sim.Options, opts Options) *harness {
	t.Helper()
	return newHarnessWith(t, o, opts, nil)
}

// newHarnessWith is newHarness with setup run on the simulator before the
// dashboard starts (builds that exist when it first looks).
func newHarnessWith(t testing.TB, o sim.Options, opts Options, setup func(*sim.Sim)) *harness {
	t.Helper()
	clock := simtest.NewManualClock(t0)
	o.Clock = clock
	if o.Seed == 0 {
		o.Seed = 42
	}
	s := sim.New(o)
	if setup != nil {
		setup(s)
	}
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := api.New(s.AccountID(), s.Token(), api.WithBaseURL(sv.URL), api.WithRetries(0, 0), api.WithMaxWait(0),
		api.WithScheduler(api.NewScheduler(0, api.SchedulerClock(clock))), api.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, sim: s, clock: clock, client: c, server: sv}
	t.Cleanup(func() { _ = h.server.Close(); c.Close() })
	if opts.Source == nil {
		opts.Source = c
	}
	if opts.Account == "" {
		opts.Account = "test account"
	}
	opts.AccountID = s.AccountID()
	opts.Now = clock.Now
	opts.Renderer = tuitest.PlainRenderer()
	opts.UTC = true
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m.after = virtualTimer
	h.m = m
	h.exec(m.Init())
	return h
}

func (h *harness) send(msg tea.Msg) {
	h.msgs++
	next, cmd := h.m.Update(msg)
	h.m = next.(Model)
	h.exec(cmd)
}

func (h *harness) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.exec(c)
		}
	case timerMsg:
		h.seq++
		h.timers = append(h.timers, vtimer{at: h.clock.Now().Add(msg.d), seq: h.seq, msg: msg.msg})
	case tea.QuitMsg:
		h.quit = true
	default:
		h.send(msg)
	}
}

// advance moves virtual time forward by d, firing due timers in order.
func (h *harness) advance(d time.Duration) {
	end := h.clock.Now().Add(d)
	for {
		sort.Slice(h.timers, func(i, j int) bool {
			if !h.timers[i].at.Equal(h.timers[j].at) {
				return h.timers[i].at.Before(h.timers[j].at)
			}
			return h.timers[i].seq < h.timers[j].seq
		})
		if len(h.timers) == 0 || h.timers[0].at.After(end) {
			break
		}
		next := h.timers[0]
		h.timers = h.timers[1:]
		if dt := next.at.Sub(h.clock.Now()); dt > 0 {
			h.clock.Advance(dt)
		}
		h.send(next.msg)
	}
	if dt := end.Sub(h.clock.Now()); dt > 0 {
		h.clock.Advance(dt)
	}
}

func (h *harness) size(w, hh int) { h.send(tea.WindowSizeMsg{Width: w, Height: hh}) }

func (h *harness) keys(keys ...string) {
	for _, k := range keys {
		h.send(tuitest.Key(k))
	}
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func (h *harness) view() string { return h.m.View() }

func stepOf(uuid, text string) model.TailStep {
	return model.TailStep{Tail: model.Tail{UUID: uuid, Lines: 1}, Lines: []model.LogLine{{Time: t0, Text: text}}}
}

// outage closes the simulator's port: connections are refused until restore.
func (h *harness) outage() {
	h.t.Helper()
	if err := h.server.Close(); err != nil {
		h.t.Fatal(err)
	}
}

// restore listens again on the same address.
func (h *harness) restore() {
	h.t.Helper()
	sv, err := h.sim.Listen(h.server.Addr())
	if err != nil {
		h.t.Fatal(err)
	}
	h.server = sv
}
