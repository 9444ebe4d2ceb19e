package tui

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/shared"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// sessions is n dashboards over one shared source (as cfbuilds serve runs
// them), on one virtual clock, each with its own timers.
func sessions(t *testing.T, n int) ([]*harness, *sim.Sim, *simtest.ManualClock) {
	t.Helper()
	clock := simtest.NewManualClock(t0)
	s := sim.New(sim.Options{Workers: 4, PushEvery: -1, History: 2, Seed: 11, Clock: clock})
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := api.New(s.AccountID(), s.Token(), api.WithBaseURL(sv.URL), api.WithRetries(0, 0), api.WithMaxWait(0),
		api.WithScheduler(api.NewScheduler(0, api.SchedulerClock(clock))), api.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); _ = sv.Close(); c.Close() })
	fresh := shared.Fresh{Active: 3 * time.Second, Idle: 30 * time.Second, Log: 2 * time.Second}
	src := shared.New(ctx, c, fresh)
	name := s.Workers()[0][0]
	s.Push(sim.PushSpec{Repo: "acme/app", Branch: "main", Commit: "c0ffee0000000000000000000000000000000000",
		Workers: map[string]time.Duration{name: 0}, Duration: 10 * time.Minute})
	var hs []*harness
	for range n {
		m, err := New(Options{Source: src, Account: "test", AccountID: s.AccountID(), Now: clock.Now, Renderer: tuitest.PlainRenderer(),
			Out: io.Discard, PollActive: fresh.Active, PollIdle: fresh.Idle, PollLog: fresh.Log})
		if err != nil {
			t.Fatal(err)
		}
		h := &harness{t: t, m: m, sim: s, clock: clock, client: c, server: sv}
		h.m.after = virtualTimer
		h.exec(h.m.Init())
		h.size(120, 40)
		hs = append(hs, h)
	}
	return hs, s, clock
}

// run moves the sessions' shared clock on by d, a second at a time, each
// session firing its own timers that fell due.
func run(hs []*harness, d time.Duration) {
	for end := hs[0].clock.Now().Add(d); hs[0].clock.Now().Before(end); {
		hs[0].advance(time.Second)
		for _, h := range hs[1:] {
			h.advance(0)
		}
	}
}

// Five sessions watching one running build cost the API at most 1.1× what
// one does: the simulator's requests over the same ten virtual minutes.
func TestFiveSessionsCostWhatOneDoes(t *testing.T) {
	t.Parallel()
	cost := func(n int) int {
		hs, s, _ := sessions(t, n)
		run(hs, 30*time.Second) // everyone has loaded and follows the build
		for _, h := range hs {
			if h.m.selUUID == "" {
				t.Fatal("a session follows no build")
			}
		}
		before := s.Requests()["total"]
		run(hs, 10*time.Minute)
		return s.Requests()["total"] - before
	}
	one, five := cost(1), cost(5)
	t.Logf("requests in 10 virtual minutes: one session %d, five sessions %d (%.2f×)", one, five, float64(five)/float64(one))
	if one == 0 || float64(five) > 1.1*float64(one) {
		t.Fatalf("five sessions spent %d requests where one spent %d", five, one)
	}
}
