package tui

import (
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
)

// TestAHiddenRunningBuildIsFollowedToItsEnd (#35.9): push A, then B on the
// same Worker, then A fails. A is no longer its Worker's latest, and no
// event tells its end: it is read (one GET a round) until it shows failed,
// and then no more.
func TestAHiddenRunningBuildIsFollowedToItsEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(160, 40)
	name := h.sim.Workers()[0][0]
	a := h.sim.Inject(sim.Spec{Worker: name, Outcome: "fail", CommitMessage: "Push A", QueueFor: time.Second, RunFor: 2 * time.Minute})
	h.advance(10 * time.Second)
	b := h.sim.Inject(sim.Spec{Worker: name, Outcome: "success", CommitMessage: "Push B", QueueFor: time.Second, RunFor: time.Hour})
	h.advance(30 * time.Second)
	if got := h.m.builds[a]; !got.Active() || h.m.latestByTag[got.WorkerTag] != b {
		t.Fatalf("setup: A %s, the latest %s (want B %s)", got.State(), h.m.latestByTag[got.WorkerTag], b)
	}
	h.advance(3 * time.Minute) // A fails meanwhile
	if got := h.m.builds[a]; got.Outcome != model.OutcomeFail {
		t.Fatalf("A shows %s three minutes after it failed", got.State())
	}
	reads := h.sim.Requests()["build"]
	h.advance(time.Minute)
	if n := h.sim.Requests()["build"] - reads; n != 0 {
		t.Fatalf("%d reads of builds after A ended: nothing left to follow", n)
	}
}

// TestAnEventOfABuildTheAPIDoesNotKnowIsDropped (#35.9): an event names a
// build the API never had: it shows until one GET says so, then it is
// gone, and the history never records it.
func TestAnEventOfABuildTheAPIDoesNotKnowIsDropped(t *testing.T) {
	t.Parallel()
	rec := &recorderSpy{}
	h := newHarness(t, quiet(), Options{Events: idleFeed{}, Recorder: rec})
	h.size(160, 40)
	h.advance(time.Second)
	name := h.sim.Workers()[1][0]
	now := h.clock.Now()
	ghost := model.BuildEvent{Type: "cf.workersBuilds.worker.build.started", WorkerName: name, At: now,
		Build: model.Build{UUID: "0badbeef-0000-4000-8000-000000000000", WorkerName: name, Status: model.StatusRunning, CreatedOn: now}}
	h.send(eventsMsg{batch: model.EventBatch{Events: []model.BuildEvent{ghost}, Next: 2, State: model.EventState{Queue: "q", Flowing: true, Last: now}}})
	if _, ok := h.m.builds[ghost.Build.UUID]; ok || len(h.m.follow.unconfirmed) != 0 {
		t.Fatalf("the build the API does not know is still shown")
	}
	for _, b := range rec.recorded() {
		if b.UUID == ghost.Build.UUID {
			t.Fatal("the history recorded a build only an event named")
		}
	}
}

// recorderSpy keeps what the dashboard hands the history.
type recorderSpy struct{ builds []model.Build }

func (r *recorderSpy) Record(bs []model.Build) { r.builds = append(r.builds, bs...) }
func (r *recorderSpy) recorded() []model.Build { return r.builds }

func (r *recorderSpy) RecordFailure(string, model.Failure) {}
