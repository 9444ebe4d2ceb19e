package api

import (
	"context"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
	"github.com/cfbuilds/cfbuilds/model"
)

// tailToEnd follows uuid the way the dashboard does: read the build, step
// the tail, move the clock. Errors are retried on the next round from the
// same state. It returns every line delivered and the errors seen.
func tailToEnd(t *testing.T, c *Client, clock *simtest.ManualClock, uuid string, every time.Duration, between func(round int)) ([]model.LogLine, int) {
	t.Helper()
	ctx := context.Background()
	tail := model.Tail{UUID: uuid}
	var got []model.LogLine
	errs := 0
	for round := 0; round < 5000; round++ {
		if between != nil {
			between(round)
		}
		b, err := c.Build(ctx, uuid)
		if err == nil {
			var step model.TailStep
			step, err = c.Step(ctx, tail, b.Finished())
			got = append(got, step.Lines...)
			tail = step.Tail
			if err == nil && tail.Done {
				return got, errs
			}
		}
		if err != nil {
			errs++
		}
		clock.Advance(every)
	}
	t.Fatal("tail never finished")
	return nil, 0
}

func assertSameLog(t *testing.T, s *sim.Sim, uuid string, got []model.LogLine) {
	t.Helper()
	want, err := s.LogText(uuid)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("tail delivered %d lines, the log has %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Text != want[i] {
			t.Fatalf("line %d: %q, want %q", i, got[i].Text, want[i])
		}
	}
}

func TestTail(t *testing.T) {
	t.Parallel()
	lines := make([]string, 300)
	for i := range lines {
		lines[i] = "line " + string(rune('a'+i%26))
	}
	for _, mode := range []sim.CursorMode{sim.CursorIncremental, sim.CursorSnapshot} {
		name := map[sim.CursorMode]string{sim.CursorIncremental: "incremental", sim.CursorSnapshot: "snapshot"}[mode]
		t.Run(name+"/running", func(t *testing.T) {
			c, s, clock := simClient(t, sim.Options{Seed: 1, Cursor: mode, PageSize: 16, PushEvery: -1})
			id := s.Inject(sim.Spec{Lines: lines, LineEvery: 50 * time.Millisecond})
			got, _ := tailToEnd(t, c, clock, id, 2*time.Second, nil)
			assertSameLog(t, s, id, got)
		})
		t.Run(name+"/transient errors", func(t *testing.T) {
			c, s, clock := simClient(t, sim.Options{Seed: 2, Cursor: mode, PageSize: 16, PushEvery: -1})
			c.retries = 0 // let every fault reach the tail
			id := s.Inject(sim.Spec{Lines: lines, LineEvery: 50 * time.Millisecond})
			s.SetFaults(sim.Faults{Server5xx: 0.2, HTML502: 0.05, Malformed: 0.05, Truncated: 0.05, Reset: 0.05})
			got, errs := tailToEnd(t, c, clock, id, time.Second, nil)
			if errs == 0 {
				t.Fatal("no fault reached the tail: the test proves nothing")
			}
			assertSameLog(t, s, id, got)
		})
		t.Run(name+"/already stopped", func(t *testing.T) {
			c, s, clock := simClient(t, sim.Options{Seed: 3, Cursor: mode, PageSize: 16, PushEvery: -1})
			id := s.Inject(sim.Spec{Lines: lines, LineEvery: 10 * time.Millisecond})
			clock.Advance(time.Hour)
			got, _ := tailToEnd(t, c, clock, id, time.Second, nil)
			assertSameLog(t, s, id, got)
		})
		t.Run(name+"/cancelled midway", func(t *testing.T) {
			c, s, clock := simClient(t, sim.Options{Seed: 4, Cursor: mode, PageSize: 16, PushEvery: -1})
			id := s.Inject(sim.Spec{Lines: lines, LineEvery: 100 * time.Millisecond})
			got, _ := tailToEnd(t, c, clock, id, time.Second, func(round int) {
				if round == 8 {
					if _, err := c.Cancel(context.Background(), id); err != nil {
						t.Fatal(err)
					}
				}
			})
			assertSameLog(t, s, id, got)
			if got[len(got)-1].Text != "Build was cancelled by user" || len(got) >= len(lines) {
				t.Fatalf("cancelled log ends %q after %d lines", got[len(got)-1].Text, len(got))
			}
		})
		t.Run(name+"/pages faster than polls", func(t *testing.T) {
			c, s, clock := simClient(t, sim.Options{Seed: 5, Cursor: mode, PageSize: 10, PushEvery: -1})
			many := make([]string, 2000)
			for i := range many {
				many[i] = "fast"
			}
			id := s.Inject(sim.Spec{Lines: many, LineEvery: time.Millisecond})
			got, _ := tailToEnd(t, c, clock, id, 700*time.Millisecond, nil)
			assertSameLog(t, s, id, got)
		})
	}
}

func TestTailLearnsCursorMode(t *testing.T) {
	t.Parallel()
	for mode, want := range map[sim.CursorMode]model.CursorMode{sim.CursorIncremental: model.CursorIncremental, sim.CursorSnapshot: model.CursorSnapshot} {
		c, s, clock := simClient(t, sim.Options{Seed: 6, Cursor: mode, PushEvery: -1})
		id := s.Inject(sim.Spec{Lines: []string{"a", "b", "c", "d", "e", "f"}, LineEvery: time.Second, QueueFor: 100 * time.Millisecond})
		tail := model.Tail{UUID: id}
		for range 8 {
			clock.Advance(time.Second)
			step, err := c.Step(context.Background(), tail, false)
			if err != nil {
				t.Fatal(err)
			}
			tail = step.Tail
		}
		if tail.Mode != want {
			t.Errorf("sim mode %v: learned %v, want %v", mode, tail.Mode, want)
		}
	}
}

// TestTailQuietLogIsCheap: while the cursor behaviour is unknown, a quiet
// running log is not re-read from the start on every poll.
func TestTailQuietLogIsCheap(t *testing.T) {
	t.Parallel()
	c, s, clock := simClient(t, sim.Options{Seed: 8, PageSize: 100, PushEvery: -1})
	lines := make([]string, 2000)
	for i := range lines {
		lines[i] = "quiet"
	}
	id := s.Inject(sim.Spec{Lines: lines, LineEvery: time.Millisecond, QueueFor: time.Millisecond, RunFor: time.Hour})
	clock.Advance(10 * time.Second) // every line written; the build runs on, silent
	tail := model.Tail{UUID: id}
	before := s.Requests()["logs"]
	for range 16 {
		step, err := c.Step(context.Background(), tail, false)
		if err != nil {
			t.Fatal(err)
		}
		tail = step.Tail
		clock.Advance(2 * time.Second)
	}
	// The first read takes 20 pages; then 15 empty polls with checks from
	// the start on the 1st, 2nd, 4th and 8th: 20 + 15 + 4×20 = 115. Checking
	// every time would cost 20 + 15×21 = 335.
	if n := s.Requests()["logs"] - before; n > 120 {
		t.Fatalf("%d log requests for 16 polls of a quiet log", n)
	}
	if tail.Lines != 2000 {
		t.Fatalf("%d lines", tail.Lines)
	}
}

// TestLongLogComesInSteps: a log of many pages is read 20 pages a step,
// each step saying there is more, and the steps together deliver it whole.
func TestLongLogComesInSteps(t *testing.T) {
	t.Parallel()
	lines := make([]string, 44_500)
	for i := range lines {
		lines[i] = "line"
	}
	c, s, clock := simClient(t, sim.Options{Seed: 1, PageSize: 1000, PushEvery: -1})
	id := s.Inject(sim.Spec{Lines: lines, LineEvery: time.Millisecond})
	clock.Advance(time.Hour)
	tail := model.Tail{UUID: id}
	var sizes []int
	total := 0
	for i := 0; i < 20 && !tail.Done; i++ {
		step, err := c.Step(context.Background(), tail, true)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(step.Lines))
		total += len(step.Lines)
		if step.More != (len(step.Lines) == 5_000) {
			t.Fatalf("step %d: %d lines, More %v", i, len(step.Lines), step.More)
		}
		tail = step.Tail
	}
	if !tail.Done || total != len(lines) || len(sizes) != 9 {
		t.Fatalf("steps delivered %v (%d lines), want 8 steps of 5000 and one of 4500; done %v", sizes, total, tail.Done)
	}
}
