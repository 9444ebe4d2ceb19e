package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
)

// idleFeed is a feed the test speaks for: it sends the batches itself, as
// eventsMsg, so the harness never waits on the feed.
type idleFeed struct{}

func (idleFeed) Next(context.Context, uint64) (model.EventBatch, error) {
	return model.EventBatch{}, errors.New("the test sends the batches")
}

func (idleFeed) Since(uint64) model.EventBatch { return model.EventBatch{} }

// TestEventsReachTheScreenWithoutAPoll (#30): a build's start shows from
// its event alone, before any poll; duplicated and reordered deliveries
// leave one row in its final state; while events flow the latest-builds
// poll only reconciles, once a minute; the status bar says so.
func TestEventsReachTheScreenWithoutAPoll(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{Events: idleFeed{}})
	h.size(160, 40)
	h.advance(time.Second)
	flowing := model.EventState{Queue: "q", Flowing: true, Last: h.clock.Now()}
	h.send(eventsMsg{batch: model.EventBatch{Next: 1, State: flowing}})
	if got := h.m.latestInterval(); got != reconcileEvery {
		t.Fatalf("with events flowing the poll waits %s, want %s", got, reconcileEvery)
	}
	name := h.sim.Workers()[1][0]
	uuid := h.sim.Inject(sim.Spec{Worker: name, Lines: []string{"Cloning repository..."}, RunFor: time.Hour, QueueFor: time.Millisecond})
	requests := h.sim.Requests()["latest"]
	start := h.clock.Now()
	running := func(at time.Time) *time.Time { return &at }
	started := model.BuildEvent{Type: "cf.workersBuilds.worker.build.started", WorkerName: name, At: start,
		Build: model.Build{UUID: uuid, WorkerName: name, Status: model.StatusRunning, CreatedOn: start, RunningOn: running(start),
			Meta: model.TriggerMetadata{Branch: "main", CommitHash: "c0ffee1234", CommitMessage: "From an event"}}}
	reads := h.sim.Requests()["build"]
	h.send(eventsMsg{batch: model.EventBatch{Events: []model.BuildEvent{started}, Next: 2, State: flowing}})
	shown := false
	for _, b := range h.m.list.Shown() {
		shown = shown || b.UUID == uuid && b.Active()
	}
	// Shown at once, without a latest-builds poll; confirmed by one GET
	// of the build (an event is news until the API agrees, #35).
	if !shown || h.sim.Requests()["latest"] != requests || h.sim.Requests()["build"] != reads+1 || len(h.m.follow.unconfirmed) != 0 {
		t.Fatalf("the build did not show from its event alone (%d latest, %d build reads):\n%s",
			h.sim.Requests()["latest"]-requests, h.sim.Requests()["build"]-reads, h.view())
	}
	failed := started
	failed.Type = "cf.workersBuilds.worker.build.failed"
	failed.Build.Status, failed.Build.Outcome, failed.Build.StoppedOn = model.StatusStopped, model.OutcomeFail, running(start.Add(time.Minute))
	h.send(eventsMsg{batch: model.EventBatch{Events: []model.BuildEvent{failed, started, failed}, Next: 5, State: flowing}})
	rows := 0
	for _, b := range h.m.list.Shown() {
		if b.UUID == uuid {
			rows++
			if b.Outcome != model.OutcomeFail || b.WorkerTag == "" {
				t.Fatalf("after failed, started, failed: %+v", b)
			}
		}
	}
	if rows != 1 || !strings.Contains(h.view(), "events, last") {
		t.Fatalf("%d rows for the build; status bar:\n%s", rows, h.view())
	}
	h.send(eventsMsg{batch: model.EventBatch{Next: 5, State: model.EventState{Queue: "q", Problem: "events from queue q not read: permission missing"}}})
	if h.m.latestInterval() == reconcileEvery || !strings.Contains(h.m.flash, "polling meanwhile") || !strings.Contains(h.view(), "polling") {
		t.Fatalf("a failing queue did not fall back to polling: flash %q", h.m.flash)
	}
}

// TestAQuietMinuteAt2000Workers (#30): with events flowing, a quiet minute
// on an account of 2,000 Workers costs at most 10 latest-builds calls: the
// poll reconciles, it does not carry the news.
func TestAQuietMinuteAt2000Workers(t *testing.T) {
	// Not parallel: 2,000 Workers' builds would swell the heap that the
	// soak test (parallel) measures; run first, they are collected by then.
	h := newHarness(t, sim.Options{Workers: 2000, PushEvery: -1, History: 1, Quota: 1 << 30}, Options{Events: idleFeed{}})
	h.size(160, 40)
	h.advance(time.Second)
	h.send(eventsMsg{batch: model.EventBatch{Next: 1, State: model.EventState{Queue: "q", Flowing: true}}})
	h.advance(3 * time.Minute) // the first sweep of every Worker, then reconciliation
	before := h.sim.Requests()["latest"]
	h.advance(time.Minute)
	if n := h.sim.Requests()["latest"] - before; n > 10 || n == 0 {
		t.Fatalf("a quiet minute cost %d latest-builds calls, want 1 to 10", n)
	} else {
		t.Logf("a quiet minute at 2,000 Workers: %d latest-builds calls", n)
	}
}

// TestAQueuedBuildCostsOnlyItself (#36.3): with events flowing, one build
// queued for an hour on an account of 2,000 Workers does not make the whole
// account poll: a quiet minute costs at most 10 latest-builds calls (here
// five minutes, at most 50), and the queued build is read by itself every
// 10 s.
func TestAQueuedBuildCostsOnlyItself(t *testing.T) {
	// Not parallel, as TestAQuietMinuteAt2000Workers.
	h := newHarness(t, sim.Options{Workers: 2000, PushEvery: -1, History: 1, Quota: 1 << 30}, Options{Events: idleFeed{}})
	h.size(160, 40)
	h.advance(time.Second)
	h.send(eventsMsg{batch: model.EventBatch{Next: 1, State: model.EventState{Queue: "q", Flowing: true}}})
	h.advance(3 * time.Minute) // the first sweep of every Worker, then reconciliation
	h.sim.Inject(sim.Spec{Worker: h.sim.Workers()[7][0], Lines: []string{"Cloning repository..."}, QueueFor: time.Hour})
	h.keys("r")            // (a queued build has no event: a cold Worker's is found by the rotation, or r)
	h.advance(time.Minute) // the round of r finds it queued
	latest, reads := h.sim.Requests()["latest"], h.sim.Requests()["build"]
	h.advance(5 * time.Minute)
	n, r := h.sim.Requests()["latest"]-latest, h.sim.Requests()["build"]-reads
	if !h.m.anyActive() || n > 50 || n == 0 || r > 35 || r == 0 {
		t.Fatalf("five quiet minutes with a build queued: %d latest-builds calls (want 1 to 50), %d reads of the build (want 1 to 35)", n, r)
	}
	t.Logf("five quiet minutes at 2,000 Workers, one build queued: %d latest-builds calls, %d reads of the queued build", n, r)
}

// TestWorkersEventsDoNotCoverArePolled (#36.2): 5 of 23 Workers send
// their events to another queue. A push to one of them reaches the screen
// at the idle poll's pace (30 s), not the once-a-minute reconciliation,
// and the bar says how many Workers events cover.
func TestWorkersEventsDoNotCoverArePolled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sim.Options{Workers: 23, PushEvery: -1, History: 1}, Options{Events: idleFeed{}})
	h.size(160, 40)
	h.advance(time.Second)
	covered := map[string]bool{}
	ws := h.sim.Workers()
	for _, w := range ws[5:] {
		covered[w[0]] = true
	}
	state := model.EventState{Queue: "q", Flowing: true, Last: h.clock.Now(), Covered: len(covered), CoveredKnown: true}
	h.send(eventsMsg{batch: model.EventBatch{Next: 1, State: state, Covered: covered}})
	h.advance(2 * time.Minute) // settled into the mixed rhythm
	uuid := h.sim.Inject(sim.Spec{Worker: ws[2][0], Lines: []string{"Cloning repository..."}, RunFor: time.Hour, QueueFor: time.Millisecond})
	start := h.clock.Now()
	for h.clock.Now().Sub(start) < 2*time.Minute {
		if _, ok := h.m.builds[uuid]; ok {
			break
		}
		h.advance(time.Second)
	}
	if took := h.clock.Now().Sub(start); took > 31*time.Second {
		t.Fatalf("a push to a Worker events do not cover took %s to show, want at most the idle poll (30 s)", took)
	} else {
		t.Logf("a push to a Worker events do not cover showed after %s (virtual)", took)
	}
	if !strings.Contains(h.view(), "events (18/23 Workers)") {
		t.Fatalf("the bar does not say how many Workers events cover:\n%s", h.view())
	}
}

// TestAWorkerMadeLaterIsPolled (#36.2): a Worker made after the queue's
// subscriptions were set up is found by the periodic listing of Workers,
// polled (events do not cover it), and its push shows.
func TestAWorkerMadeLaterIsPolled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sim.Options{Workers: 4, PushEvery: -1, History: 1}, Options{Events: idleFeed{}})
	h.size(160, 40)
	h.advance(time.Second)
	covered := map[string]bool{}
	for _, w := range h.sim.Workers() {
		covered[w[0]] = true
	}
	h.send(eventsMsg{batch: model.EventBatch{Next: 1, State: model.EventState{Queue: "q", Flowing: true, Covered: 4, CoveredKnown: true}, Covered: covered}})
	h.advance(2 * time.Minute)
	name := h.sim.AddWorker()
	listed := h.sim.Requests()["workers"]
	h.advance(workersEvery)
	if h.sim.Requests()["workers"] != listed+1 || len(h.m.workers) != 5 || h.m.ev.uncovered != 1 {
		t.Fatalf("after %s: %d listings, %d Workers, %d uncovered", workersEvery, h.sim.Requests()["workers"]-listed, len(h.m.workers), h.m.ev.uncovered)
	}
	uuid := h.sim.Inject(sim.Spec{Worker: name, Lines: []string{"Cloning repository..."}, RunFor: time.Hour, QueueFor: time.Millisecond})
	h.advance(31 * time.Second)
	if _, ok := h.m.builds[uuid]; !ok {
		t.Fatalf("a push to the new Worker did not show within the idle poll:\n%s", h.view())
	}
}

// TestCommitViewSaysWhatIsLive (#31): the dashboard's --commit view says
// the push's live verdict from the same code as watch --commit --live.
func TestCommitViewSaysWhatIsLive(t *testing.T) {
	t.Parallel()
	const sha = "c0ffee1234567890c0ffee1234567890c0ffee12"
	h := newHarnessWith(t, quiet(), Options{Commit: sha[:7]}, func(s *sim.Sim) {
		ws := s.Workers()
		s.Push(sim.PushSpec{Repo: "acme/app", Branch: "main", Commit: sha, Workers: map[string]time.Duration{ws[0][0]: 0, ws[1][0]: 0},
			Deploy: map[string]string{ws[1][0]: "upload"}, Duration: time.Second})
	})
	h.size(160, 40)
	h.advance(30 * time.Second)
	name := h.sim.Workers()[1][0]
	if got := h.m.commitVerdict(); got != "1/2 Workers live: "+name+" uploaded, not deployed" || !strings.Contains(h.view(), "1/2 Workers live") {
		t.Fatalf("the commit view says %q:\n%s", got, h.view())
	}
}
