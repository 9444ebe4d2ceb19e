package shared

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// counting is an upstream that counts its calls and can hold them.
type counting struct {
	model.Source // the methods a test does not use panic
	latest       atomic.Int32
	steps        atomic.Int32
	cancels      atomic.Int32
	logs         atomic.Int32
	gate         chan struct{} // when set, calls wait for it
	fail         atomic.Bool
	active       bool
}

func (c *counting) LatestBuilds(ctx context.Context, tags []string) (map[string]model.Build, error) {
	c.latest.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	if c.fail.Load() {
		return nil, errors.New("boom")
	}
	st := model.StatusStopped
	if c.active {
		st = model.StatusRunning
	}
	return map[string]model.Build{"t1": {UUID: "b1", WorkerTag: "t1", Status: st}}, nil
}

func (c *counting) Step(ctx context.Context, t model.Tail, stopped bool) (model.TailStep, error) {
	c.steps.Add(1)
	t.Cursor += "x"
	t.Lines++ // the one line it delivers, as the client counts them
	return model.TailStep{Tail: t, Lines: []model.LogLine{{Text: "line"}}}, nil
}

func (c *counting) ReadLog(ctx context.Context, uuid string) ([]model.LogLine, error) {
	c.logs.Add(1)
	return []model.LogLine{{Text: "a"}, {Text: "b"}}, nil
}

func (c *counting) Cancel(ctx context.Context, uuid string) (model.CancelResult, error) {
	c.cancels.Add(1)
	return model.CancelResult{UUID: uuid}, nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newShared(up model.Source) (*Source, *clock) {
	clk := &clock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	s := New(context.Background(), up, Fresh{Active: 3 * time.Second, Idle: 30 * time.Second, Log: 2 * time.Second})
	s.now = clk.now
	return s, clk
}

// Ten sessions asking at once make one call; they all get the answer.
func TestConcurrentCallsAreJoined(t *testing.T) {
	t.Parallel()
	up := &counting{gate: make(chan struct{}), active: true}
	s, _ := newShared(up)
	var wg sync.WaitGroup
	got := make([]map[string]model.Build, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bs, err := s.LatestBuilds(context.Background(), []string{"t1"})
			if err != nil {
				t.Error(err)
			}
			got[i] = bs
		}()
	}
	// All ten wait on the one call in flight; then it answers.
	for s.waiting("latest|t1") < 1 {
		time.Sleep(time.Millisecond)
	}
	close(up.gate)
	wg.Wait()
	if n := up.latest.Load(); n != 1 {
		t.Fatalf("upstream calls: %d, want 1", n)
	}
	for i, bs := range got {
		if bs["t1"].UUID != "b1" {
			t.Errorf("session %d got %v", i, bs)
		}
	}
}

// waiting reports whether key has an entry (in flight or answered).
func (s *Source) waiting(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[key]; ok {
		return 1
	}
	return 0
}

// An answer is reused within its ttl and asked again after: a running
// build's latest for 0.95 of the active poll, an idle one for half the idle
// poll.
func TestAnswersAreReusedWhileFresh(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		active bool
		fresh  time.Duration
	}{{true, 2850 * time.Millisecond}, {false, 15 * time.Second}} {
		up := &counting{active: tc.active}
		s, clk := newShared(up)
		ctx := context.Background()
		for range 3 {
			if _, err := s.LatestBuilds(ctx, []string{"t1"}); err != nil {
				t.Fatal(err)
			}
		}
		clk.add(tc.fresh - time.Millisecond)
		s.LatestBuilds(ctx, []string{"t1"})
		if n := up.latest.Load(); n != 1 {
			t.Fatalf("active=%v: %d calls within the ttl, want 1", tc.active, n)
		}
		clk.add(time.Millisecond)
		s.LatestBuilds(ctx, []string{"t1"})
		if n := up.latest.Load(); n != 2 {
			t.Fatalf("active=%v: %d calls after the ttl, want 2", tc.active, n)
		}
	}
}

// An error is shared with those who waited but never kept.
func TestErrorsAreNotKept(t *testing.T) {
	t.Parallel()
	up := &counting{}
	up.fail.Store(true)
	s, _ := newShared(up)
	if _, err := s.LatestBuilds(context.Background(), []string{"t1"}); err == nil {
		t.Fatal("no error")
	}
	up.fail.Store(false)
	if _, err := s.LatestBuilds(context.Background(), []string{"t1"}); err != nil {
		t.Fatalf("the error was kept: %v", err)
	}
	if n := up.latest.Load(); n != 2 {
		t.Fatalf("calls %d, want 2", n)
	}
}

// Sessions at the same point of a log share the step; each gets its own
// copy of the lines.
func TestLogStepsAreSharedAndOwned(t *testing.T) {
	t.Parallel()
	up := &counting{}
	s, _ := newShared(up)
	tail := model.Tail{UUID: "b1", Cursor: "c"}
	a, _ := s.Step(context.Background(), tail, false)
	b, _ := s.Step(context.Background(), tail, false)
	if up.steps.Load() != 1 {
		t.Fatalf("steps %d, want 1", up.steps.Load())
	}
	a.Lines[0].Text = "changed by one session"
	if b.Lines[0].Text != "line" {
		t.Fatal("sessions share one slice of lines")
	}
	// The next step, from the cursor the first answered, is a new call.
	s.Step(context.Background(), a.Tail, false)
	if up.steps.Load() != 2 {
		t.Fatalf("steps %d, want 2", up.steps.Load())
	}
}

// A session behind the others takes the steps they took, however old, and
// so joins them; a step that found nothing new is asked again after a poll.
func TestABehindSessionCatchesUp(t *testing.T) {
	t.Parallel()
	up := &counting{}
	s, clk := newShared(up)
	ctx := context.Background()
	start := model.Tail{UUID: "b1", Cursor: "c"}
	first, _ := s.Step(ctx, start, false)
	second, _ := s.Step(ctx, first.Tail, false)
	clk.add(time.Minute)
	late, _ := s.Step(ctx, start, false) // a session that opened the log later
	if late.Tail != first.Tail || up.steps.Load() != 2 {
		t.Fatalf("the late session got %+v after %d calls", late.Tail, up.steps.Load())
	}
	if got, _ := s.Step(ctx, late.Tail, false); got.Tail != second.Tail || up.steps.Load() != 2 {
		t.Fatalf("it did not join the others: %+v after %d calls", got.Tail, up.steps.Load())
	}
	still := &stillUpstream{}
	s, clk = newShared(still)
	s.Step(ctx, start, false)
	s.Step(ctx, start, false)
	clk.add(2 * time.Second)
	s.Step(ctx, start, false)
	if still.steps != 2 {
		t.Fatalf("a step with nothing new: %d calls, want 2 (one reused, one after the poll)", still.steps)
	}
}

// stillUpstream's log has nothing new: a step leaves the tail as it was.
type stillUpstream struct {
	model.Source
	steps int
}

func (u *stillUpstream) Step(ctx context.Context, t model.Tail, stopped bool) (model.TailStep, error) {
	u.steps++
	return model.TailStep{Tail: t}, nil
}

// A cancel goes upstream every time and makes the next poll ask again.
func TestWritesAreNeverSharedAndRefresh(t *testing.T) {
	t.Parallel()
	up := &counting{}
	s, _ := newShared(up)
	ctx := context.Background()
	s.LatestBuilds(ctx, []string{"t1"})
	s.Cancel(ctx, "b1")
	s.Cancel(ctx, "b1")
	s.LatestBuilds(ctx, []string{"t1"})
	if up.cancels.Load() != 2 || up.latest.Load() != 2 {
		t.Fatalf("cancels %d (want 2), latest %d (want 2)", up.cancels.Load(), up.latest.Load())
	}
}

// A session that gives up does not fail the call for the others.
func TestACallerLeavingDoesNotEndTheCall(t *testing.T) {
	t.Parallel()
	up := &counting{gate: make(chan struct{}), active: true}
	s, _ := newShared(up)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := s.LatestBuilds(ctx, []string{"t1"})
		done <- err
	}()
	for s.waiting("latest|t1") < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the leaving caller got %v", err)
	}
	close(up.gate)
	bs, err := s.LatestBuilds(context.Background(), []string{"t1"})
	if err != nil || bs["t1"].UUID != "b1" || up.latest.Load() != 1 {
		t.Fatalf("got %v %v after %d calls", bs, err, up.latest.Load())
	}
}

// Whole-log reads are shared for a log poll's time (#26.9): ten sessions
// comparing one build read its log once, and each gets its own copy.
func TestWholeLogReadsAreShared(t *testing.T) {
	t.Parallel()
	up := &counting{}
	s, clk := newShared(up)
	for i := range 10 {
		lines, err := s.ReadLog(context.Background(), "b1")
		if err != nil || len(lines) != 2 {
			t.Fatalf("read %d: %v %v", i, lines, err)
		}
		lines[0].Text = "changed by one session"
	}
	if n := up.logs.Load(); n != 1 {
		t.Fatalf("%d reads upstream, want 1", n)
	}
	if lines, _ := s.ReadLog(context.Background(), "b1"); lines[0].Text != "a" {
		t.Fatal("a session's change reached another's copy")
	}
	clk.add(3 * time.Second)
	_, _ = s.ReadLog(context.Background(), "b1")
	if n := up.logs.Load(); n != 2 {
		t.Fatalf("%d reads after the log poll's time, want 2", n)
	}
}

// TestSessionsAtOneLineShareOneTail (#29.23): two sessions at the same line
// of a running build's log holding different cursors (one read its first
// page after the others' steps were forgotten; the API's cursors are
// opaque) make one upstream step, and hold the same tail after it, so five
// sessions cost what one does.
func TestSessionsAtOneLineShareOneTail(t *testing.T) {
	t.Parallel()
	up := &counting{}
	s, _ := newShared(up)
	ctx := context.Background()
	a := model.Tail{UUID: "b1", Cursor: "opaque-1", Lines: 40, Mode: model.CursorIncremental, AtEnd: true}
	b := a
	b.Cursor, b.EmptyPolls = "opaque-2", 3
	sa, _ := s.Step(ctx, a, false)
	sb, _ := s.Step(ctx, b, false)
	if up.steps.Load() != 1 || sa.Tail != sb.Tail {
		t.Fatalf("%d upstream steps; tails %+v and %+v", up.steps.Load(), sa.Tail, sb.Tail)
	}
	c := a
	c.Lines = 41 // another point of the log: its own step
	s.Step(ctx, c, false)
	if up.steps.Load() != 2 {
		t.Fatalf("a tail at another line shared a step: %d calls", up.steps.Load())
	}
}

// A read that asks for a fresh answer (a verdict's last look) goes
// upstream although a kept answer is still within its time; the next
// ordinary read takes that new answer.
func TestFreshReadsSkipTheKeptAnswer(t *testing.T) {
	t.Parallel()
	up := &counting{}
	s, _ := newShared(up)
	ctx := context.Background()
	for _, c := range []context.Context{ctx, ctx, model.WithFresh(ctx), ctx} {
		if _, err := s.LatestBuilds(c, []string{"t1"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := up.latest.Load(); n != 2 {
		t.Fatalf("%d upstream calls, want 2 (the first and the fresh one)", n)
	}
}
