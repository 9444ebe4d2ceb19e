package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
)

// TestRequestRate measures requests per minute against the simulator with 50
// Workers over 5 simulated minutes after start-up, idle and with an active
// build selected, and holds the steady rate within the default share of the
// budget (300 per 5 minutes, 60 a minute). The start-up burst (Workers,
// latest builds, 50 history pages) is reported; in a real run the client's
// limiter spreads it, which the harness's unlimited budget does not.
func TestRequestRate(t *testing.T) {
	t.Parallel()
	limit := int(api.CloudflareBudget * api.DefaultShare)
	for _, active := range []bool{false, true} {
		h := newHarness(t, sim.Options{Workers: 50, PushEvery: -1, History: 3}, Options{})
		h.size(200, 60)
		if active {
			h.sim.Inject(sim.Spec{Worker: "api-gateway", Lines: make([]string, 3000), LineEvery: 100 * time.Millisecond})
			h.advance(h.m.opts.PollIdle)
			h.keys("g")
		}
		h.advance(time.Minute) // start-up settles
		start := h.sim.Requests()["total"]
		h.advance(5 * time.Minute)
		total := h.sim.Requests()["total"]
		perMin := float64(total-start) / 5
		t.Logf("50 Workers, active=%v: %d requests in the first minute, then %.1f requests/minute (share: %d per 5 minutes)", active, start, perMin, limit)
		if total-start > limit {
			t.Errorf("active=%v: %d requests in 5 steady minutes, over the %d share", active, total-start, limit)
		}
		if active && h.m.log.Store().Len() == 0 {
			t.Error("the active build's log was not read")
		}
	}
}

// TestTwoThousandWorkers: an account of 2,000 Workers of which 30 build.
// Every answer shows as it comes, so the first builds are on screen after
// a few calls (the default share allows a burst of 10, then one a second);
// later cycles read the 30 hot Workers and one batch of the others, so a
// new build on any of the 30 shows within one cycle, inside the share.
func TestTwoThousandWorkers(t *testing.T) {
	t.Parallel()
	var hot []string
	h := newHarnessWith(t, sim.Options{Workers: 2000, PushEvery: -1, History: -1}, Options{}, func(s *sim.Sim) {
		for i := 0; i < 30; i++ {
			name := s.Workers()[i*66+5][0] // spread over the account
			hot = append(hot, name)
			s.Inject(sim.Spec{Worker: name, Lines: []string{"built"}, LineEvery: time.Second, QueueFor: time.Second})
		}
	})
	// The harness sends calls without waiting for the budget; the first
	// answers are shown as they come, so what counts is how many calls
	// came before the first build was on screen: the default share sends
	// 10 at once, then one a second.
	if h.m.list.Len() == 0 {
		t.Fatal("no build shown after the first cycle")
	}
	h.size(200, 60)
	first := h.sim.Requests()["latest"]
	t.Logf("first full read: %d calls of 20 Workers", first)
	if first < 100 {
		t.Fatalf("the first cycle read %d batches, want all 100", first)
	}
	if h.m.coldSweep() == 0 {
		t.Fatal("no rotation with 1,970 idle Workers")
	}
	if !strings.Contains(lastLine(h.view()), "all Workers every") {
		t.Errorf("the status bar does not say how long a sweep takes: %q", lastLine(h.view()))
	}
	before := h.sim.Requests()["total"]
	id := h.sim.Inject(sim.Spec{Worker: hot[7], Lines: []string{"new"}, LineEvery: time.Second, QueueFor: time.Second})
	h.advance(h.m.latestInterval() + time.Second)
	found := false
	for _, b := range h.m.list.Shown() {
		found = found || b.UUID == id
	}
	if !found {
		t.Fatalf("a new build on a hot Worker is not shown after one cycle (%v)", h.m.latestInterval())
	}
	h.advance(5 * time.Minute)
	spent := h.sim.Requests()["total"] - before
	limit := int(api.CloudflareBudget * api.DefaultShare)
	t.Logf("2,000 Workers, 30 hot: cycle %v, a full rotation %v, %d requests in 5 minutes (share %d)", h.m.latestInterval(), h.m.coldSweep(), spent, limit)
	if spent > limit {
		t.Fatalf("%d requests in 5 minutes, over the share of %d", spent, limit)
	}
}
