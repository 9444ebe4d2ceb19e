package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
	"github.com/cfbuilds/cfbuilds/model"
)

// eventRig is a simulated account with events set up, on a manual clock,
// and a client of it.
func eventRig(t *testing.T, faults sim.EventFaults) (*sim.Sim, *simtest.ManualClock, *Client) {
	t.Helper()
	clock := simtest.NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	s := sim.New(sim.Options{Workers: 3, PushEvery: -1, History: 1, Seed: 6, Clock: clock, Quota: 1 << 30})
	s.SetupEvents(sim.DefaultQueue)
	s.SetEventFaults(faults)
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(s.AccountID(), s.Token(), WithBaseURL(sv.URL), WithScheduler(NewScheduler(0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sv.Close(); c.Close() })
	return s, clock, c
}

// TestEventReader (#30): the reader finds the queue by name, hands on each
// build's start and end (duplicated and reordered deliveries included),
// acknowledges everything, and counts a message that is no event.
func TestEventReader(t *testing.T) {
	t.Parallel()
	s, clock, c := eventRig(t, sim.EventFaults{Duplicate: 0.5, Reorder: true})
	r := NewEventReader(c, sim.DefaultQueue, 20*time.Millisecond, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go r.Run(ctx)
	name := s.Workers()[0][0]
	uuid := s.Push(sim.PushSpec{Repo: "acme/app", Branch: "main", Commit: strings.Repeat("d", 40), Workers: map[string]time.Duration{name: 0},
		Outcome: map[string]string{name: "fail"}, Duration: 10 * time.Second})[name]
	clock.Advance(20 * time.Second)
	var b model.Build
	known := false
	for after := uint64(0); !(known && b.Finished()); {
		batch, err := r.Next(ctx, after)
		if err != nil {
			t.Fatalf("no end came: %v (state %+v)", err, r.State())
		}
		after = batch.Next
		for _, ev := range batch.Events {
			if ev.Build.UUID == uuid {
				b, _ = ApplyTo(b, known, ev)
				known = true
			}
		}
	}
	if b.Outcome != model.OutcomeFail || b.WorkerName != name || !r.State().Flowing {
		t.Fatalf("build %+v, state %+v", b, r.State())
	}
	for s.Backlog(sim.DefaultQueue) != 0 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond) // the ack of the last pull is on its way
	}
	if n := s.Backlog(sim.DefaultQueue); n != 0 {
		t.Fatalf("%d messages not acknowledged", n)
	}
}

// ApplyTo is model.ApplyEvent, named for the test's loop.
func ApplyTo(b model.Build, ok bool, ev model.BuildEvent) (model.Build, bool) {
	return model.ApplyEvent(b, ok, ev)
}

// TestEventReaderProblems: a queue that does not exist, or a read-only
// token (acknowledging is a write), is said in the state; the reader keeps
// trying.
func TestEventReaderProblems(t *testing.T) {
	t.Parallel()
	_, _, c := eventRig(t, sim.EventFaults{})
	r := NewEventReader(c, "no-such-queue", 20*time.Millisecond, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go r.Run(ctx)
	batch, err := r.Next(ctx, 0)
	if err != nil || batch.State.Flowing || !strings.Contains(batch.State.Problem, `no queue "no-such-queue"`) {
		t.Fatalf("missing queue: %+v %v", batch.State, err)
	}
}

// An event dated 2099 does not become the feed's "last event": the status
// bar's age of the news would freeze at 0 s (#35.10).
func TestAFutureEventIsKeptAsNow(t *testing.T) {
	t.Parallel()
	r := NewEventReader(nil, "q", time.Second, func(string, ...any) {})
	before := time.Now()
	r.keep([]model.BuildEvent{{At: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), Build: model.Build{UUID: "b"}}}, 0)
	if last := r.State().Last; last.Before(before) || last.After(time.Now()) {
		t.Fatalf("last event at %v", last)
	}
}

// The events kept for readers behind are bounded (#35.17: 4,096 of them
// held 4.9 MB, the dashboard's creep under event chaos): a reader further
// behind is told of the gap and reads again what it missed.
func TestKeptEventsAreBounded(t *testing.T) {
	t.Parallel()
	r := NewEventReader(nil, "q", time.Second, func(string, ...any) {})
	for i := range 3 * keptEvents {
		r.keep([]model.BuildEvent{{Build: model.Build{UUID: fmt.Sprint(i)}}}, 0)
	}
	b := r.Since(1)
	if len(r.kept) != keptEvents || !b.Gap || len(b.Events) != keptEvents || b.Events[len(b.Events)-1].Build.UUID != fmt.Sprint(3*keptEvents-1) {
		t.Fatalf("kept %d, gap %v, %d events", len(r.kept), b.Gap, len(b.Events))
	}
}

// TestReaderKnowsWhichWorkersItCovers (#36.2): two of three Workers send
// their events to a queue a Worker consumes; the reader learns, on its
// first pull, that its queue covers the third alone.
func TestReaderKnowsWhichWorkersItCovers(t *testing.T) {
	t.Parallel()
	s, _, c := eventRig(t, sim.EventFaults{})
	ws := s.Workers()
	s.AddForeignQueue("builds-notify", "builds-notifications", ws[0][0], ws[1][0])
	r := NewEventReader(c, sim.DefaultQueue, time.Second, nil)
	var q Queue
	if _, err := r.pullOnce(context.Background(), &q); err != nil {
		t.Fatal(err)
	}
	// The subscriptions are read beside the pull (the news does not wait
	// for them): the feed's state changes when they are known.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for !r.State().CoveredKnown {
		if ctx.Err() != nil {
			t.Fatal("the covered Workers never came")
		}
		// A short wait each time: the change may land between the look
		// and the wait.
		wctx, stop := context.WithTimeout(ctx, 100*time.Millisecond)
		_, _ = r.Next(wctx, r.Since(0).Next)
		stop()
	}
	b := r.Since(0)
	if st := r.State(); !st.CoveredKnown || st.Covered != 1 || len(b.Covered) != 1 || !b.Covered[ws[2][0]] {
		t.Fatalf("covered %+v, state %+v", b.Covered, st)
	}
}
