package tui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
)

// Event chaos (#35.17): 23 Workers pushed every 30 s, 5% of answers 5xx,
// their events duplicated, reordered, delayed and dropped, with events of
// builds the API never had and events dated in the future. What the
// dashboard keeps must stay bounded, and its heap flat.

// chaos drives a harness with the simulator's events as Cloudflare's
// queue would deliver them, plus what another producer would add.
type chaos struct {
	h     *harness
	queue string
	rng   *rand.Rand
	next  uint64
}

func newChaos(t testing.TB) *chaos {
	h := newHarness(t, sim.Options{Workers: 23, PushEvery: 30 * time.Second, History: 1, Quota: 1 << 30,
		Faults: sim.Faults{Server5xx: 0.05}}, Options{Events: idleFeed{}})
	h.size(160, 45)
	h.sim.SetupEvents("chaos")
	h.sim.SetEventFaults(sim.EventFaults{Duplicate: 0.3, Reorder: true, Delay: 5 * time.Second, Drop: 0.1})
	q, err := h.client.FindQueue(context.Background(), "chaos")
	if err != nil {
		t.Fatal(err)
	}
	return &chaos{h: h, queue: q.ID, rng: rand.New(rand.NewPCG(35, 17)), next: 1}
}

// second moves a simulated second: the queue's events (and a few forged
// ones) reach the dashboard as one batch, acknowledged.
func (c *chaos) second(minute int) {
	h := c.h
	h.advance(time.Second)
	ctx := context.Background()
	msgs, err := h.client.Pull(ctx, c.queue, 100, 30*time.Second)
	if err != nil {
		return // a 5xx: the next second pulls again
	}
	var evs []model.BuildEvent
	var leases []string
	for _, m := range msgs {
		leases = append(leases, m.LeaseID)
		if ev, err := model.DecodeEvent(m.Body); err == nil {
			evs = append(evs, ev.Clamped(h.clock.Now()))
		}
	}
	_ = h.client.Ack(ctx, c.queue, leases)
	if c.rng.IntN(10) == 0 { // another producer: a build the API never had, dated in 2099
		ws := h.sim.Workers()
		at := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
		evs = append(evs, model.BuildEvent{Type: "cf.workersBuilds.worker.build.started", WorkerName: ws[c.rng.IntN(len(ws))][0], At: at,
			Build: model.Build{UUID: fmt.Sprintf("f0f0f0f0-0000-4000-8000-%012d", c.rng.IntN(1e12)), Status: model.StatusRunning, CreatedOn: at}}.Clamped(h.clock.Now()))
	}
	c.next += uint64(len(evs))
	h.send(eventsMsg{batch: model.EventBatch{Events: evs, Next: c.next, State: model.EventState{Queue: "chaos", Flowing: true, Last: h.clock.Now()}}})
	if minute%3 == 0 && c.rng.IntN(60) == 0 {
		h.keys("g")
	}
}

// kept is what the dashboard holds beside the log: every map that grows
// with what it sees.
func (c *chaos) kept() int {
	m := &c.h.m
	return len(m.builds) + len(m.sameUUID) + len(m.versionOf) + len(m.follow.unconfirmed) + len(m.phaseSpans) +
		len(m.latestByTag) + len(m.deploys) + len(m.historyQueue) + len(m.deployQueue)
}

// TestEventChaosKeepsLittle: 40 simulated minutes of chaos; what the
// dashboard keeps at the end is within what its bounds allow (50 builds a
// Worker, the versions its deployments name), and no build only an event
// named is left shown running.
func TestEventChaosKeepsLittle(t *testing.T) {
	t.Parallel()
	c := newChaos(t)
	var at10 int
	for minute := range 40 {
		for range 60 {
			c.second(minute)
		}
		if minute == 10 {
			at10 = c.kept()
		}
	}
	m := &c.h.m
	if n := len(m.builds) + len(m.sameUUID); n > 23*maxPerWorker {
		t.Fatalf("%d builds kept, over %d a Worker", n, maxPerWorker)
	}
	for uuid, b := range m.builds {
		if b.Active() && uuid[:8] == "f0f0f0f0" {
			t.Fatalf("a build only a forged event named is still shown %s", b.State())
		}
	}
	t.Logf("kept at minute 10: %d entries; at minute 40: %d (builds %d, versions %d, unconfirmed %d)",
		at10, c.kept(), len(m.builds), len(m.versionOf), len(m.follow.unconfirmed))
}

// BenchmarkEventChaosHour runs an hour of chaos and reports the live heap
// (after a collection) at minute 10 and at minute 60, and their difference.
func BenchmarkEventChaosHour(b *testing.B) {
	for range b.N {
		c := newChaos(b)
		var at10, at60 runtime.MemStats
		for minute := range 60 {
			for range 60 {
				c.second(minute)
			}
			if minute == 10 {
				runtime.GC()
				runtime.ReadMemStats(&at10)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&at60)
		b.ReportMetric(float64(at10.HeapAlloc)/(1<<20), "heapMB@10m")
		b.ReportMetric(float64(at60.HeapAlloc)/(1<<20), "heapMB@60m")
		b.ReportMetric((float64(at60.HeapAlloc)-float64(at10.HeapAlloc))/(1<<20), "growthMB")
		b.ReportMetric(float64(c.kept()), "kept")
	}
}
