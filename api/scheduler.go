package api

// The request scheduler: every request of a process (the dashboard, every
// CLI command, serve's shared source, mcp) waits here for its turn.
//
//   - Priorities: the waiting request of the most urgent class goes first
//     (model.Priority: a person waiting, the live tail, the latest-builds
//     poll, background sweeps); within a class, first come first served.
//   - Budget: a token bucket (x/time/rate) refilled at the process's share of
//     Cloudflare's 1,200 requests per 5 minutes, holding up to a start-up
//     burst. Over any 5 minutes the process sends at most its share plus the
//     burst (300 + 150 at the default 25%). Each class but the first leaves
//     a floor of tokens to the classes above it, so when the bucket runs low
//     sweeps stop first and a key press still finds a token.
//   - Cloudflare's Ratelimit headers size the bucket: with little left, the
//     burst shrinks and the pace slows so half of what remains lasts until
//     Cloudflare's window resets.
//   - One gate for a 429: it closes for every caller until Retry-After (or
//     the reset, when Cloudflare says nothing remains); then one probe goes,
//     and only its answer opens the gate for the rest.

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/cfbuilds/cfbuilds/model"
)

// Cloudflare's budget: 1,200 requests per 5 minutes per user, shared with the
// dashboard and every other tool.
const (
	CloudflareBudget = 1200
	BudgetWindow     = 5 * time.Minute
	// DefaultShare is the part of the budget cfbuilds allows itself.
	DefaultShare = 0.25
	// StartBurst is the most the bucket holds: the first pass over a large
	// account (2,000 Workers are 100 latest-builds calls) or a one-shot
	// command (list --json over 2,000 Workers: about 145 calls) runs at full
	// speed. An eighth of Cloudflare's budget.
	StartBurst = 150
)

// floors is the share of the bucket each class leaves to the classes
// above it.
var floors = [model.Priorities]float64{model.Interactive: 0, model.LiveTail: 0.05, model.Poll: 0.1, model.Sweep: 0.25}

// Clock is the time the scheduler runs on: the real one, or a test's.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f after d; the returned func stops it.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Scheduler is the one queue every request of a process goes through. It is
// safe for concurrent use.
type Scheduler struct {
	limiter *rate.Limiter
	limit   int        // requests per BudgetWindow: the share
	base    rate.Limit // the share's pace, restored when Cloudflare's budget recovers
	burst   int        // the start-up burst, restored likewise
	clock   Clock

	mu        sync.Mutex
	queue     [model.Priorities][]*ticket
	stopTimer func() bool
	wakeAt    time.Time
	gateUntil time.Time // a 429 closed the gate until then
	probing   bool      // the gate reopened: one request went to see
	mustProbe bool      // the next grant after the gate is the probe
	sent      []time.Time
	start     int
	reported  *model.Budget
	slowed    bool
	onWait    func(model.Budget)
}

// ticket is one request waiting for its turn.
type ticket struct {
	prio    model.Priority
	ready   chan struct{}
	granted bool
	probe   bool
}

// SchedulerOption configures a Scheduler.
type SchedulerOption func(*Scheduler)

// SchedulerBurst sets the most the bucket holds (default StartBurst, or
// the share when that is less).
func SchedulerBurst(n int) SchedulerOption { return func(s *Scheduler) { s.burst = max(n, 1) } }

// SchedulerClock runs the scheduler on a clock of the caller's (tests).
func SchedulerClock(c Clock) SchedulerOption { return func(s *Scheduler) { s.clock = c } }

// NewScheduler allows perWindow requests per BudgetWindow; 0 sets no limit
// of its own (Cloudflare's 429 gate still holds): a private proxy with a
// budget of its own, or a test that drives the dashboard on one goroutine
// and so could never wait.
func NewScheduler(perWindow int, opts ...SchedulerOption) *Scheduler {
	s := &Scheduler{limit: perWindow, base: rate.Inf, burst: StartBurst, clock: realClock{}}
	if perWindow > 0 {
		s.base = rate.Every(BudgetWindow / time.Duration(perWindow))
		s.burst = min(perWindow, StartBurst)
	}
	for _, o := range opts {
		o(s)
	}
	s.limiter = rate.NewLimiter(s.base, s.burst)
	// Full at start: the first pass runs at full speed.
	s.limiter.SetBurstAt(s.clock.Now(), s.burst)
	return s
}

// OnWait sets a function told, once per wait, when a request has waited a
// second for its turn (the CLI says so on stderr). It runs on the waiting
// caller's goroutine, possibly several at once.
func (s *Scheduler) OnWait(f func(model.Budget)) {
	s.mu.Lock()
	s.onWait = f
	s.mu.Unlock()
}

// Limit is the number of requests allowed per window.
func (s *Scheduler) Limit() int { return s.limit }

// Burst is the most the bucket holds now.
func (s *Scheduler) Burst() int { return s.limiter.Burst() }

// Wait blocks until a request of ctx's priority may be sent. Every granted
// request must be followed by Answered (with its status and headers, or 0
// and nil when no answer came), so a probe can open the gate.
func (s *Scheduler) Wait(ctx context.Context) (*ticket, error) {
	return s.await(ctx, s.enqueue(model.PriorityOf(ctx)))
}

// await waits for a queued ticket's turn (see Wait).
func (s *Scheduler) await(ctx context.Context, t *ticket) (*ticket, error) {
	s.mu.Lock()
	onWait := s.onWait
	s.mu.Unlock()
	// The notice is told on the waiting goroutine, so what it writes is
	// done before the caller goes on (a command's stderr is not shared
	// with a timer's goroutine).
	var longWait chan struct{}
	if onWait != nil {
		longWait = make(chan struct{})
		stop := s.clock.AfterFunc(time.Second, func() { close(longWait) })
		defer stop()
	}
wait:
	for {
		select {
		case <-t.ready:
			return t, nil
		case <-longWait:
			longWait = nil
			onWait(s.Snapshot())
		case <-ctx.Done():
			break wait
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.granted {
		// Granted as the caller gave up: the token is spent, and a probe
		// must not hold the gate shut.
		s.answeredLocked(t, 0, nil)
		return nil, ctx.Err()
	}
	q := s.queue[t.prio]
	for i, x := range q {
		if x == t {
			s.queue[t.prio] = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	s.dispatchLocked()
	return nil, ctx.Err()
}

// enqueue puts a request of priority p in the queue and grants what it can.
func (s *Scheduler) enqueue(p model.Priority) *ticket {
	t := &ticket{prio: p, ready: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue[p] = append(s.queue[p], t)
	s.dispatchLocked()
	return t
}

// raise moves a queued ticket up to priority p, when p is more urgent: a
// person now waits for a read a sweep queued.
func (s *Scheduler) raise(t *ticket, p model.Priority) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.granted || p >= t.prio {
		return
	}
	q := s.queue[t.prio]
	for i, x := range q {
		if x == t {
			s.queue[t.prio] = append(q[:i:i], q[i+1:]...)
			t.prio = p
			s.queue[p] = append(s.queue[p], t)
			break
		}
	}
	s.dispatchLocked()
}

// Answered takes the answer to a granted request: its headers size the
// bucket, a 429 closes the gate, and a probe's answer opens it.
func (s *Scheduler) Answered(t *ticket, status int, h http.Header, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h != nil {
		s.observeLocked(h)
	}
	if status == http.StatusTooManyRequests {
		s.closeGateLocked(retryAfter)
	}
	s.answeredLocked(t, status, h)
}

func (s *Scheduler) answeredLocked(t *ticket, _ int, _ http.Header) {
	if t != nil && t.probe {
		// The probe is answered: a 429 closed the gate again (and the next
		// grant probes again); anything else opens it.
		t.probe, s.probing = false, false
	}
	s.dispatchLocked()
}

// closeGateLocked holds every request until now+d, then lets one probe go.
func (s *Scheduler) closeGateLocked(d time.Duration) {
	until := s.clock.Now().Add(max(d, time.Second))
	if until.After(s.gateUntil) {
		s.gateUntil = until
	}
	s.mustProbe = true
}

// GateFor is how long the 429 gate stays shut from now (0: open).
func (s *Scheduler) GateFor() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(s.gateUntil.Sub(s.clock.Now()), 0)
}

// next is the most urgent waiting ticket, or nil.
func (s *Scheduler) next() *ticket {
	for p := range s.queue {
		if len(s.queue[p]) > 0 {
			return s.queue[p][0]
		}
	}
	return nil
}

// floor is the tokens a class must leave in the bucket.
func (s *Scheduler) floor(p model.Priority) float64 {
	return math.Floor(floors[p] * float64(s.limiter.Burst()))
}

// dispatchLocked grants what it can now and arms a wake-up for the rest.
func (s *Scheduler) dispatchLocked() {
	now := s.clock.Now()
	for {
		t := s.next()
		if t == nil || s.probing {
			s.armLocked(time.Time{}) // nothing to do, or the probe's answer will call
			return
		}
		if now.Before(s.gateUntil) {
			s.armLocked(s.gateUntil)
			return
		}
		need := 1 + s.floor(t.prio)
		have := s.limiter.TokensAt(now)
		switch {
		case have >= need || s.base == rate.Inf:
			s.limiter.AllowN(now, 1)
		case t.prio == model.Interactive && s.slowed && have >= 0:
			// A person waits (R, cancel, a command) while Cloudflare's
			// budget runs low and the pace is slowed to a call every few
			// seconds: the call goes now, and the calls after it repay
			// the token (at most one owed at a time, so the pace holds).
			s.limiter.ReserveN(now, 1)
		default:
			if t.prio == model.Interactive && s.slowed {
				need = 0 // it may go once the token owed is repaid
			}
			wait := time.Duration((need - have) / float64(s.limiter.Limit()) * float64(time.Second))
			s.armLocked(now.Add(max(wait, time.Millisecond)))
			return
		}
		s.queue[t.prio] = s.queue[t.prio][1:]
		t.granted = true
		if s.mustProbe {
			s.mustProbe, s.probing, t.probe = false, true, true
		}
		s.sent = append(s.sent, now)
		close(t.ready)
	}
}

// armLocked sets the one wake-up to at (zero: none).
func (s *Scheduler) armLocked(at time.Time) {
	if at.Equal(s.wakeAt) && (at.IsZero() || s.stopTimer != nil) {
		return
	}
	if s.stopTimer != nil {
		s.stopTimer()
		s.stopTimer = nil
	}
	s.wakeAt = at
	if at.IsZero() {
		return
	}
	s.stopTimer = s.clock.AfterFunc(at.Sub(s.clock.Now()), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.stopTimer, s.wakeAt = nil, time.Time{}
		s.dispatchLocked()
	})
}

// Spent is the number of requests sent in the last window.
func (s *Scheduler) Spent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spentLocked()
}

// Snapshot is the budget as the UI shows it: the process's own count and
// share, the gate, and Cloudflare's last report while its window has not
// reset.
func (s *Scheduler) Snapshot() model.Budget {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	out := model.Budget{Spent: s.spentLocked(), Limit: s.limit, Slowed: s.slowed}
	if r := s.reported; r != nil && now.Before(r.ResetAt.Add(time.Second)) {
		out.Reported, out.Remaining, out.Quota, out.ResetAt = true, r.Remaining, r.Quota, r.ResetAt
	}
	if now.Before(s.gateUntil) {
		out.GatedUntil = s.gateUntil
	}
	for _, q := range s.queue {
		out.Waiting += len(q)
	}
	return out
}

func (s *Scheduler) spentLocked() int {
	cut := s.clock.Now().Add(-BudgetWindow)
	for s.start < len(s.sent) && !s.sent[s.start].After(cut) {
		s.start++
	}
	// Compact now and then so the slice does not grow without bound.
	if s.start > 1024 && s.start > len(s.sent)/2 {
		s.sent = append(s.sent[:0], s.sent[s.start:]...)
		s.start = 0
	}
	return len(s.sent) - s.start
}

// lowWater is the part of Cloudflare's quota under which the scheduler
// slows down: a 429 blocks every call for minutes, so it is better to poll
// less often before that than not at all after it.
const lowWater = 0.25

// observeLocked takes Cloudflare's report from an answer's headers. Nothing
// left closes the gate until the reset. Under lowWater of the quota, the
// burst shrinks to a quarter of what remains and calls are spread so half of
// what remains lasts until the reset (the other half is the user's other
// tools'); above it, the share's pace and burst come back.
func (s *Scheduler) observeLocked(h http.Header) {
	rl, ok := parseRateLimit(h)
	if !ok {
		return
	}
	now := s.clock.Now()
	s.reported = &model.Budget{Reported: true, Remaining: rl.remaining, Quota: rl.quota,
		ResetAt: now.Add(time.Duration(rl.reset) * time.Second)}
	if rl.remaining == 0 {
		// The gate holds everything until the reset; the report after it
		// sizes the bucket.
		s.closeGateLocked(time.Duration(max(rl.reset, 1)) * time.Second)
		return
	}
	if s.base == rate.Inf {
		return // no pace of its own to slow
	}
	if float64(rl.remaining) >= lowWater*float64(rl.quota) {
		if s.slowed {
			s.limiter.SetLimitAt(now, s.base)
			s.limiter.SetBurstAt(now, s.burst)
			s.slowed = false
		}
		return
	}
	reset := max(float64(rl.reset), 1)
	pace := rate.Limit(float64(rl.remaining) / 2 / reset)
	if pace <= 0 {
		pace = rate.Limit(1 / reset) // one call to see the reset arrive
	}
	s.limiter.SetLimitAt(now, min(pace, s.base))
	s.limiter.SetBurstAt(now, min(max(rl.remaining/4, 1), s.burst))
	s.slowed = true
}
