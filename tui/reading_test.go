package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// The page counter of a long read estimates the time left from the pace of
// its last seconds, not from its fast start (#25.9).
func TestReadLeftEstimate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	t0 := tuitest.T0
	stop := t0.Add(100 * time.Second)
	h.m.selUUID = "long"
	h.m.builds["long"] = model.Build{UUID: "long", Status: model.StatusStopped, CreatedOn: t0, StoppedOn: &stop}
	h.m.log.Reset("long", t0)
	read := func(upTo int, at time.Duration) (time.Duration, bool) {
		var lines []model.LogLine
		for i := h.m.log.Store().Len(); i <= upTo; i++ {
			lines = append(lines, model.LogLine{Time: t0.Add(time.Duration(i) * time.Second), Text: "x"})
		}
		h.m.log.Append(lines)
		h.m.now = t0.Add(at)
		return h.m.paceRead()
	}
	if _, ok := read(40, 500*time.Millisecond); ok { // the burst: 40% in half a second
		t.Fatal("an estimate from the burst alone")
	}
	var left time.Duration
	var ok bool
	for s := 1; s <= 6; s++ { // then 2% a second
		left, ok = read(40+2*s, time.Second/2+time.Duration(s)*time.Second)
	}
	if !ok || left != 24*time.Second {
		t.Fatalf("left %v %v, want 24s (48%% left at 2%% a second)", left, ok)
	}
}

// Phases of successful builds whose logs were read give the running build's
// current phase its usual time.
func TestUsualPhaseFromLogsRead(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(240, 50)
	lines := []string{"Cloning repository...", "done", "Installing project dependencies: npm ci", "added 3 packages", "x", "y",
		"Executing user build command: npm run build", "built"}
	for range 3 {
		h.sim.Inject(sim.Spec{Worker: "api-gateway", Branch: "main", Outcome: "success", QueueFor: time.Second, LineEvery: time.Second, Lines: lines})
		h.advance(20 * time.Second)
	}
	h.advance(h.m.opts.PollIdle)
	// Read each of the three logs to the end.
	for i := range 3 {
		h.keys("g")
		for range i {
			h.keys("j")
		}
		h.advance(5 * time.Second)
		if !h.m.tail.Done {
			t.Fatalf("log %d not read to the end", i)
		}
	}
	if len(h.m.phaseSpans) < 3 {
		t.Fatalf("%d builds' phases remembered", len(h.m.phaseSpans))
	}
	h.sim.Inject(sim.Spec{Worker: "api-gateway", Branch: "main", QueueFor: time.Second, LineEvery: time.Second, RunFor: time.Minute, Lines: lines[:4]})
	h.advance(h.m.opts.PollIdle)
	h.keys("g")
	h.advance(5 * time.Second)
	if v := h.view(); !strings.Contains(v, "install") || !strings.Contains(v, "(usually 4s)") {
		t.Fatalf("the running build's phase has no usual time:\n%s", v)
	}
}
