package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
	"github.com/cfbuilds/cfbuilds/model"
)

// newFakeClock is virtual time: timers fire, in order, only when Advance
// passes them.
func newFakeClock() *simtest.ManualClock {
	return simtest.NewManualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
}

func granted(s *Scheduler, t *ticket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return t.granted
}

// A request of a person waiting goes before every queued sweep and poll,
// and never waits for them.
func TestSchedulerServesThePersonFirst(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewScheduler(300, SchedulerClock(clock)) // 1 a second, a burst of 120
	var sweeps []*ticket
	for range 200 {
		sweeps = append(sweeps, s.enqueue(model.Sweep))
	}
	// The sweeps took the bucket down to their floor (a quarter of it).
	n := 0
	for _, x := range sweeps {
		if granted(s, x) {
			n++
		}
	}
	if n != StartBurst-StartBurst/4 {
		t.Fatalf("%d sweeps granted at once, want %d (the bucket down to the sweeps' floor)", n, StartBurst-StartBurst/4)
	}
	polls := []*ticket{s.enqueue(model.Poll), s.enqueue(model.Poll)}
	key := s.enqueue(model.Interactive)
	if !granted(s, key) || !granted(s, polls[0]) {
		t.Fatal("a key press or a poll waited behind sweeps while the bucket held tokens for them")
	}
	// Drain the bucket with key presses: then a key waits at most one refill.
	next := s.enqueue(model.Interactive)
	for granted(s, next) {
		next = s.enqueue(model.Interactive)
	}
	clock.Advance(999 * time.Millisecond)
	if granted(s, next) {
		t.Fatal("granted before a token came")
	}
	clock.Advance(time.Millisecond)
	if !granted(s, next) {
		t.Fatal("a key press waited more than one token's refill (1 s at the default share)")
	}
	if snap := s.Snapshot(); snap.Waiting == 0 {
		t.Fatalf("the sweeps left waiting are not counted: %+v", snap)
	}
}

// A 429 closes one gate for every caller: nothing goes until Retry-After,
// then one probe, and only its answer lets the rest go.
func TestSchedulerGateAfterA429(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewScheduler(300, SchedulerClock(clock))
	first := s.enqueue(model.Poll)
	if !granted(s, first) {
		t.Fatal("the first request waited")
	}
	s.Answered(first, http.StatusTooManyRequests, nil, 3*time.Second)
	if got := s.GateFor(); got != 3*time.Second {
		t.Fatalf("gate for %v, want 3s", got)
	}
	waiting := []*ticket{s.enqueue(model.Interactive), s.enqueue(model.Poll), s.enqueue(model.Sweep)}
	clock.Advance(2999 * time.Millisecond)
	for _, w := range waiting {
		if granted(s, w) {
			t.Fatal("a request went through the shut gate")
		}
	}
	if snap := s.Snapshot(); snap.GatedUntil.IsZero() {
		t.Fatalf("the snapshot does not say the gate is shut: %+v", snap)
	}
	clock.Advance(time.Millisecond)
	if !granted(s, waiting[0]) || granted(s, waiting[1]) {
		t.Fatal("after the gate: want exactly one probe, the most urgent request")
	}
	// The probe meets another 429: shut again, one more probe later.
	s.Answered(waiting[0], http.StatusTooManyRequests, nil, 3*time.Second)
	clock.Advance(3 * time.Second)
	if !granted(s, waiting[1]) || granted(s, waiting[2]) {
		t.Fatal("the second probe did not go alone")
	}
	s.Answered(waiting[1], http.StatusOK, nil, 0)
	if !granted(s, waiting[2]) {
		t.Fatal("a good probe answer did not open the gate")
	}
}

// Cloudflare's report of nothing left shuts the gate until its reset; a
// low report shrinks the burst and the pace; a recovered one restores them.
func TestSchedulerSizedFromCloudflaresReport(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewScheduler(300, SchedulerClock(clock))
	report := func(r, reset int) {
		h := http.Header{}
		h.Set("Ratelimit", `"default";r=`+strconv.Itoa(r)+`;t=`+strconv.Itoa(reset))
		h.Set("Ratelimit-Policy", `"default";q=1200;w=300`)
		s.Answered(nil, http.StatusOK, h, 0)
	}
	base := s.limiter.Limit()
	report(1000, 200)
	if s.limiter.Limit() != base || s.Burst() != StartBurst || s.Snapshot().Slowed || s.Snapshot().Remaining != 1000 {
		t.Fatalf("plenty left: limit %v burst %d %+v", s.limiter.Limit(), s.Burst(), s.Snapshot())
	}
	report(100, 200) // 100 left for 200 s: 0.25 a second, a burst of 25
	if s.limiter.Limit() != 0.25 || s.Burst() != 25 || !s.Snapshot().Slowed {
		t.Fatalf("low: limit %v burst %d", s.limiter.Limit(), s.Burst())
	}
	report(0, 120)
	if s.GateFor() != 120*time.Second || s.limiter.Limit() != 0.25 {
		t.Fatalf("nothing left: gate %v, want until the reset (and the pace left to the next report: %v)", s.GateFor(), s.limiter.Limit())
	}
	clock.Advance(120 * time.Second)
	report(1100, 300)
	if s.limiter.Limit() != base || s.Burst() != StartBurst || s.Snapshot().Slowed {
		t.Fatalf("recovered: limit %v burst %d", s.limiter.Limit(), s.Burst())
	}
	clock.Advance(10 * time.Minute)
	if s.Snapshot().Reported {
		t.Fatal("a report from a window that has reset is still shown")
	}
}

// An hour of a busy dashboard over 2,000 Workers, in virtual time: every
// Worker's latest build is read within 30 s of start, a key press is never
// kept waiting behind the background, and no 5-minute window holds more
// than the share plus the start-up burst.
func TestSchedulerAnHourOfDashboard(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	start := clock.Now()
	share := int(CloudflareBudget * DefaultShare)
	s := NewScheduler(share, SchedulerClock(clock))
	type pending struct {
		t    *ticket
		at   time.Time
		prio model.Priority
	}
	var open []pending
	var sent []time.Time
	firstPass, worstKey := time.Duration(-1), time.Duration(0)
	latestDone := 0
	ask := func(p model.Priority) { open = append(open, pending{s.enqueue(p), clock.Now(), p}) }
	collect := func() {
		keep := open[:0]
		for _, p := range open {
			if !granted(s, p.t) {
				keep = append(keep, p)
				continue
			}
			now := clock.Now()
			sent = append(sent, now)
			s.Answered(p.t, http.StatusOK, nil, 0)
			switch p.prio {
			case model.Interactive:
				worstKey = max(worstKey, now.Sub(p.at))
			case model.Poll:
				if latestDone++; latestDone == 100 {
					firstPass = now.Sub(start)
				}
			}
		}
		open = keep
	}
	// The start: discover the Workers, then the first pass (100 calls of
	// 20 Workers) and a history per Worker on screen (40), all at once.
	ask(model.Interactive)
	for range 100 {
		ask(model.Poll)
	}
	for range 40 {
		ask(model.Sweep)
	}
	collect()
	step := 100 * time.Millisecond
	for i := 1; clock.Now().Sub(start) < time.Hour; i++ {
		clock.Advance(step)
		collect()
		// Afterwards, far more than the share is asked for: the latest
		// builds every 3 s, a running log every 2 s, a key press every 7 s,
		// and sweeps whenever fewer than 50 wait.
		switch {
		case i%30 == 0:
			ask(model.Poll)
		case i%20 == 0:
			ask(model.LiveTail)
		case i%70 == 0:
			ask(model.Interactive)
		}
		if len(open) < 50 {
			ask(model.Sweep)
		}
		collect()
	}
	if firstPass < 0 || firstPass > 30*time.Second {
		t.Fatalf("first pass over 2,000 Workers took %v, want ≤ 30 s", firstPass)
	}
	most := 0
	for i, at := range sent {
		j := sort.Search(len(sent), func(k int) bool { return sent[k].Sub(at) >= BudgetWindow })
		most = max(most, j-i)
	}
	if most > share+StartBurst {
		t.Fatalf("%d requests in one 5-minute window, want ≤ %d (share %d + burst %d)", most, share+StartBurst, share, StartBurst)
	}
	if worstKey > 300*time.Millisecond {
		t.Fatalf("a key press waited %v behind the background", worstKey)
	}
	t.Logf("first pass %v; most in 5 minutes %d (share %d + burst %d); worst key wait %v; %d requests in the hour",
		firstPass, most, share, StartBurst, worstKey, len(sent))
}

// A caller that gives up while queued leaves the queue; one granted as it
// gives up does not hold a probe's gate shut.
func TestSchedulerCancelledWait(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewScheduler(300, SchedulerClock(clock))
	s.Answered(s.enqueue(model.Poll), http.StatusTooManyRequests, nil, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := s.Wait(model.WithPriority(ctx, model.Sweep))
		done <- err
	}()
	for s.Snapshot().Waiting == 0 {
		time.Sleep(time.Millisecond) // until the goroutine has queued
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("wait: %v", err)
	}
	if w := s.Snapshot().Waiting; w != 0 {
		t.Fatalf("%d still queued", w)
	}
	clock.Advance(time.Second)
	if !granted(s, s.enqueue(model.Poll)) {
		t.Fatal("the gate stayed shut")
	}
}

// Two callers reading the same URL at once send it once, and the more
// urgent one's priority carries the queued read.
func TestSameReadQueuedOnce(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":[{"id":"w1","tag":"0123456789abcdef0123456789abcdef"}]}`))
	}))
	t.Cleanup(srv.Close)
	clock := newFakeClock()
	s := NewScheduler(300, SchedulerClock(clock))
	c, err := New("acct", testToken, WithBaseURL(srv.URL), WithScheduler(s))
	if err != nil {
		t.Fatal(err)
	}
	s.Answered(s.enqueue(model.Poll), http.StatusTooManyRequests, nil, time.Second) // shut: both must queue
	errs := make(chan error, 2)
	for _, p := range []model.Priority{model.Sweep, model.Interactive} {
		go func() {
			ws, err := c.Workers(model.WithPriority(context.Background(), p))
			if err == nil && len(ws) != 1 {
				err = fmt.Errorf("%d workers", len(ws))
			}
			errs <- err
		}()
		for {
			c.mu.Lock()
			fl := c.flights[c.base.String()+"/accounts/acct/workers/scripts"]
			ready := fl != nil && fl.ticket != nil && fl.prio == p
			c.mu.Unlock()
			if ready {
				break
			}
			time.Sleep(time.Millisecond) // until the goroutine has queued or joined
		}
	}
	s.mu.Lock()
	queued := len(s.queue[model.Interactive])
	s.mu.Unlock()
	if queued != 1 {
		t.Fatalf("%d interactive requests queued, want the sweep's read raised to it", queued)
	}
	clock.Advance(time.Second)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if hits != 1 {
		t.Fatalf("the server saw %d requests, want 1", hits)
	}
}

// Cloudflare answers 429 with Retry-After: 3 for 9 s while four pollers
// (a dashboard's polls, tail and sweeps) keep asking: after the first 429
// the process sends one probe every 3 s and nothing else, so the 9 s cost
// 4 requests, the last the one that succeeded.
func TestA429HoldsEveryCaller(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	start := clock.Now()
	var mu sync.Mutex
	var limited, ok int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if clock.Now().Sub(start) < 9*time.Second {
			limited++
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":971,"message":"Please wait"}],"messages":[],"result":null}`))
			return
		}
		ok++
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":[]}`))
	}))
	t.Cleanup(srv.Close)
	s := NewScheduler(300, SchedulerClock(clock))
	c, err := New("acct", testToken, WithBaseURL(srv.URL), WithScheduler(s), WithRetries(1, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); clock.Advance(time.Hour); wg.Wait() })
	poller := func(p model.Priority, path string) {
		wg.Go(func() {
			for ctx.Err() == nil {
				var out any
				_, _ = c.do(model.WithPriority(ctx, p), http.MethodGet, path, nil, &out)
			}
		})
	}
	quiet := func(waiting int) {
		t.Helper()
		for range 5000 { // until every poller waits in the queue
			if s.Snapshot().Waiting == waiting {
				return
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatalf("%d waiting, want %d", s.Snapshot().Waiting, waiting)
	}
	poller(model.Poll, "/latest")
	quiet(1) // its 429 came back: it waits at the gate
	poller(model.LiveTail, "/tail")
	poller(model.Sweep, "/history")
	poller(model.Sweep, "/deployments")
	quiet(4)
	for range 9 {
		clock.Advance(time.Second)
		quiet(4)
	}
	mu.Lock()
	defer mu.Unlock()
	// After the first good answer the pollers spend the bucket as usual.
	if limited > 3 || ok == 0 {
		t.Fatalf("%d requests answered 429 before the first good answer (%d good), want at most 3 and then one good", limited, ok)
	}
}

// While Cloudflare's budget runs low and the pace is slowed (8 left for
// 300 s: a call every 75 s, a bucket of 2), a person's request goes at
// once instead of waiting its turn behind the pace (R took 6 s to open,
// #35.12); the calls after it repay the token, and a second at once waits:
// the pace holds.
func TestSchedulerAPersonDoesNotWaitForTheSlowedPace(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewScheduler(300, SchedulerClock(clock))
	h := http.Header{}
	h.Set("Ratelimit", `"default";r=8;t=300`)
	h.Set("Ratelimit-Policy", `"default";q=1200;w=300`)
	s.Answered(nil, http.StatusOK, h, 0)
	for granted(s, s.enqueue(model.Poll)) { // the polls take what the slowed bucket holds
	}
	key := s.enqueue(model.Interactive)
	if !granted(s, key) {
		t.Fatal("a key press waited for the slowed pace")
	}
	again := s.enqueue(model.Interactive)
	if granted(s, again) {
		t.Fatal("more than one token borrowed: the pace does not hold")
	}
	clock.Advance(74 * time.Second)
	if granted(s, again) {
		t.Fatal("the borrowed token was not repaid")
	}
	clock.Advance(2 * time.Second)
	if !granted(s, again) {
		t.Fatal("the next key press waited more than a token's refill")
	}
}
