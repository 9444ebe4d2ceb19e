// Package sim is a simulated Cloudflare account: an http.Handler serving the
// Workers Builds endpoints cfbuilds uses, under /client/v4/, with Workers
// whose builds move queued → initializing → running → stopped and whose logs
// grow line by line. It runs the demo and the tests. It writes the wire
// format on its own and never imports the client, so a misunderstanding in
// one cannot be mirrored by the other; both are held to the schema.
//
// Everything follows from a clock: a build's state and visible log lines are
// a pure function of its plan and the time, so tests drive a clock by hand
// (simtest.ManualClock) and the demo runs in real time.
package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"
)

// Clock tells the simulator what time it is.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Sleeper is a clock that can pass time itself; the simulator's latency
// uses it instead of real sleeping.
type Sleeper interface{ Sleep(time.Duration) }

// CursorMode picks what re-asking with the last log cursor does; the real
// API does not document it, so the simulator offers both.
type CursorMode int

const (
	// CursorIncremental: the last cursor returns the lines written since.
	CursorIncremental CursorMode = iota
	// CursorSnapshot: a read from the start fixes the log's length; its
	// cursors never see past it, so only a new read from the start shows
	// new lines.
	CursorSnapshot
)

// HistoryOrder is the order a Worker's build history is served in: the API
// documents none, so the client must sort for itself and tests choose.
type HistoryOrder int

const (
	// HistoryNewestFirst serves the newest build first.
	HistoryNewestFirst HistoryOrder = iota
	// HistoryOldestFirst serves the oldest build first.
	HistoryOldestFirst
	// HistoryShuffled serves the builds in an order that mixes old and new
	// across pages.
	HistoryShuffled
)

// Defaults for the simulated account.
const (
	DefaultAccountID     = "0123456789abcdef0123456789abcdef"
	DefaultToken         = "sim-token-0123456789"
	DefaultReadOnlyToken = "sim-readonly-token-0123456789"
	DefaultAccountToken  = "cfat_sim-account-token-0123456789"
	// DefaultQuota is Cloudflare's budget: requests per 5 minutes per user.
	DefaultQuota = 1200
)

// Options configure a simulated account.
type Options struct {
	AccountID string // default DefaultAccountID
	Token     string // default DefaultToken: may read and act
	// ReadOnlyToken may read but gets 403, code 10000 on every write, as a
	// token without Workers CI Edit does. Default DefaultReadOnlyToken.
	ReadOnlyToken string
	// AccountToken is an Account API token (default DefaultAccountToken):
	// it may read and act, and /user/tokens/verify refuses it (401, code
	// 1000) as Cloudflare does; /accounts/{id}/tokens/verify accepts it.
	AccountToken string
	Workers      int // default 6
	Seed         uint64
	Clock        Clock      // default real time
	PageSize     int        // log lines per page, default 1000
	Cursor       CursorMode // default CursorIncremental
	// PushEvery is the mean time between pushes across the account (default
	// 20 s); negative means no new pushes.
	PushEvery time.Duration
	// History is how many past builds each Worker starts with (default 6;
	// negative: none, an account whose Workers never built).
	History int
	// HistoryDays spreads the past builds over that many days (0: seven
	// hours apart), with the texture months of real history have: slow
	// days, mornings when builds wait in the queue, and one flaky Worker
	// whose failures pass when run again (Sim.FlakyWorker). The demo's.
	HistoryDays int
	// ExtraLogLines pads every new build's log with that many more lines.
	ExtraLogLines int
	// RateLimit is the requests allowed per 5 minutes (0: unlimited). Past it
	// every call gets 429 with Retry-After for five minutes. Every answer
	// reports what remains of it in Ratelimit headers (of DefaultQuota when
	// unlimited).
	RateLimit int
	// Quota is the budget the Ratelimit headers report when RateLimit is 0
	// (default DefaultQuota). Tests that run many requests on a virtual
	// clock raise it, so the client does not slow down in real time for a
	// budget spent in virtual time.
	Quota int
	// PlainEnvVars writes environment_variables as name → string (the
	// schema's shape) instead of name → {is_secret, created_on, value}.
	PlainEnvVars bool
	// HistoryOrder is the order of a Worker's history (default newest first).
	HistoryOrder HistoryOrder
	Faults       Faults
	// Undeployed names Workers that were never deployed: their builds make
	// no versions and no deployments.
	Undeployed []string
	// NeverBuilt names Workers that start with no builds at all (connected
	// to a repository, never pushed to): only their triggers say they
	// build a push.
	NeverBuilt []string
}

// Sim is a simulated account. Safe for concurrent use.
type Sim struct {
	opts  Options
	clock Clock
	// Forge is the commit-status stand-in served beside the API
	// (/github, /gitlab/api/v4).
	Forge *Forge

	mu      sync.Mutex
	workers []*worker
	builds  map[string]*build
	made    int // builds made so far: each build's seq, for a stable order
	// minutesReached: the account's build-minutes limit is reached.
	minutesReached bool
	requests       map[string]int
	sent           []time.Time
	blocked        time.Time
	faults         Faults
	faultRng       *rand.Rand
	log            []time.Time // when requests arrived, the last maxLog of them
	manual         int         // manual builds started
	pending        []pendingBuild
	verifyDown     int // the status /user/tokens/verify answers with (0: it works)
	queues         []*simQueue
	subs           []*subscription
	eventFaults    EventFaults
	queueDelete404 bool // a queue's DELETE answers 404 and keeps the queue
}

// maxLog bounds the request log: hours of demo must not grow memory.
const maxLog = 20_000

func (s *Sim) logRequest(now time.Time) {
	if len(s.log) >= maxLog {
		s.log = append(s.log[:0], s.log[len(s.log)-maxLog/2:]...)
	}
	s.log = append(s.log, now)
}

// MaxInWindow is the most requests that arrived within any window of
// length w (among the last logged ones).
func (s *Sim) MaxInWindow(w time.Duration) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	best, lo := 0, 0
	for hi := range s.log {
		for s.log[hi].Sub(s.log[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// Block answers every call with 429 and a Retry-After for d from now, as
// Cloudflare does once the budget is spent.
func (s *Sim) Block(d time.Duration) {
	s.mu.Lock()
	s.blocked = s.clock.Now().Add(d)
	s.mu.Unlock()
}

type worker struct {
	name, tag string
	repo      string
	rng       *rand.Rand
	nextPush  time.Time
	builds    []*build // oldest first
	deploys   []*deployment
	triggers  []*trigger // production first
	created   time.Time
	gone      bool // deleted mid-read (DeleteMidRead)
}

// New makes a simulated account.
func New(o Options) *Sim {
	if o.AccountID == "" {
		o.AccountID = DefaultAccountID
	}
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.ReadOnlyToken == "" {
		o.ReadOnlyToken = DefaultReadOnlyToken
	}
	if o.AccountToken == "" {
		o.AccountToken = DefaultAccountToken
	}
	if o.Workers <= 0 {
		o.Workers = 6
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.PageSize <= 0 {
		o.PageSize = 1000
	}
	if o.PushEvery == 0 {
		o.PushEvery = 20 * time.Second
	}
	if o.History == 0 {
		o.History = 6
	}
	s := &Sim{
		Forge:    &Forge{},
		opts:     o,
		clock:    o.Clock,
		builds:   map[string]*build{},
		requests: map[string]int{},
		faults:   o.Faults,
		faultRng: rand.New(rand.NewPCG(o.Seed, 0xfa17)),
	}
	now := s.clock.Now()
	for i := range o.Workers {
		rng := rand.New(rand.NewPCG(o.Seed, uint64(i)+1))
		w := &worker{
			name:    workerName(i),
			tag:     hex32(rng),
			rng:     rng,
			created: now.Add(-90 * 24 * time.Hour),
		}
		w.repo = "acme/" + w.name
		w.triggers = newTriggers(i, w)
		// Past builds, spread over the last days, all stopped.
		for h := o.History; h > 0 && !slices.Contains(o.NeverBuilt, w.name); h-- {
			at := now.Add(-time.Duration(h)*7*time.Hour - time.Duration(rng.IntN(3600))*time.Second)
			if o.HistoryDays > 0 {
				at = now.Add(-time.Duration(h) * time.Duration(o.HistoryDays) * 24 * time.Hour / time.Duration(o.History))
				at = at.Add(-time.Duration(rng.IntN(3600)) * time.Second)
			}
			b := s.plan(w, at, false)
			if o.HistoryDays > 0 {
				s.texture(i, w, b, rng)
			}
			s.addBuild(w, b)
		}
		s.outsideDeploys(i, w, now)
		if o.PushEvery > 0 {
			// The first pushes land within seconds so a demo is alive at once.
			if i < 2 {
				w.nextPush = now.Add(time.Duration(i)*3*time.Second + time.Second)
			} else {
				w.nextPush = now.Add(s.pushGap(rng))
			}
		}
		s.workers = append(s.workers, w)
	}
	return s
}

// AddWorker makes a Worker now (with its triggers, no build yet), as a
// team does after events were set up; it returns its name.
func (s *Sim) AddWorker() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := len(s.workers)
	rng := rand.New(rand.NewPCG(s.opts.Seed, uint64(i)+1))
	w := &worker{name: workerName(i), tag: hex32(rng), rng: rng, created: s.clock.Now()}
	w.repo = "acme/" + w.name
	w.triggers = newTriggers(i, w)
	s.workers = append(s.workers, w)
	return w.name
}

func (s *Sim) pushGap(rng *rand.Rand) time.Duration {
	mean := float64(s.opts.PushEvery) * float64(s.opts.Workers)
	return time.Duration(rng.ExpFloat64()*mean) + 2*time.Second
}

// advance creates the builds whose pushes are due. Called under s.mu.
func (s *Sim) advance(now time.Time) {
	s.addPending(now)
	if s.opts.PushEvery <= 0 {
		return
	}
	for _, w := range s.workers {
		for !w.nextPush.IsZero() && !w.nextPush.After(now) {
			s.addBuild(w, s.plan(w, w.nextPush, true))
			w.nextPush = w.nextPush.Add(s.pushGap(w.rng))
		}
	}
}

// lockNow takes the lock and brings the account up to now; the caller
// unlocks.
func (s *Sim) lockNow() time.Time {
	s.mu.Lock()
	now := s.clock.Now()
	s.advance(now)
	return now
}

// findWorker is the first Worker that matches, or nil. Called under s.mu.
func (s *Sim) findWorker(match func(*worker) bool) *worker {
	for _, w := range s.workers {
		if match(w) {
			return w
		}
	}
	return nil
}

func (s *Sim) addBuild(w *worker, b *build) {
	s.made++
	b.seq = s.made
	w.builds = append(w.builds, b)
	s.builds[b.uuid] = b
	s.deployBuild(w, b)
}

// AccountID is the simulated account's id.
func (s *Sim) AccountID() string { return s.opts.AccountID }

// Token is the token the simulator accepts.
func (s *Sim) Token() string { return s.opts.Token }

// Now is the simulator's time.
func (s *Sim) Now() time.Time { return s.clock.Now() }

// Requests is how many requests each route received ("cancel", "logs",
// "latest", "history", "build", "workers", "versions"), and "total".
func (s *Sim) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.requests))
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

// SetFaults changes the faults injected from now on.
func (s *Sim) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// BuildInfo is a simulated build as tests see it.
type BuildInfo struct {
	UUID, Worker, WorkerTag string
	Status, Outcome         string
	Commit, Branch          string
	CreatedOn               time.Time
	seq                     int
}

// Builds lists every build of the account at the current time, newest first.
func (s *Sim) Builds() []BuildInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	var out []BuildInfo
	for _, w := range s.workers {
		for _, b := range w.builds {
			st, oc := b.state(now)
			out = append(out, BuildInfo{UUID: b.uuid, Worker: w.name, WorkerTag: w.tag, Status: st, Outcome: oc,
				Commit: b.commit, Branch: b.branch, CreatedOn: b.created, seq: b.seq})
		}
	}
	// Builds made in one millisecond tie on created_on: the later one made
	// is the newer, so the order never depends on the sort.
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedOn.Equal(out[j].CreatedOn) {
			return out[i].CreatedOn.After(out[j].CreatedOn)
		}
		return out[i].seq > out[j].seq
	})
	return out
}

// LogText returns the text of every line of a build's log visible now: what
// a complete read from the start must give.
func (s *Sim) LogText(uuid string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.builds[uuid]
	if !ok {
		return nil, fmt.Errorf("no build %s", uuid)
	}
	lines := b.visible(s.clock.Now())
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.text
	}
	return out, nil
}

// Workers lists the simulated Workers' names and tags.
func (s *Sim) Workers() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][2]string, len(s.workers))
	for i, w := range s.workers {
		out[i] = [2]string{w.name, w.tag}
	}
	return out
}

// Spec is a build a test injects with chosen text (hostile or otherwise).
type Spec struct {
	Worker        string // name of an existing Worker; default the first
	Branch        string
	CommitMessage string
	Author        string
	Outcome       string        // default success
	Lines         []string      // log lines, one every LineEvery
	LineEvery     time.Duration // default 100 ms
	QueueFor      time.Duration // time queued (default 1 s)
	// RunFor keeps the build running after its last line (a quiet log).
	RunFor time.Duration
}

// Inject adds a build created now and returns its uuid.
func (s *Sim) Inject(sp Spec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.workerNamed(sp.Worker)
	b := s.plan(w, s.clock.Now(), true)
	if sp.Branch != "" {
		b.branch = sp.Branch
		b.useTrigger(w.triggerFor(b.branch))
	}
	if sp.CommitMessage != "" {
		b.message = sp.CommitMessage
	}
	if sp.Author != "" {
		b.author = sp.Author
	}
	if sp.Outcome != "" {
		b.outcome = sp.Outcome
		// Only a successful build makes a version.
		switch {
		case b.outcome != "success":
			b.versionID = ""
		case b.versionID == "":
			b.versionID = uuid(w.rng)
		}
	}
	if sp.QueueFor > 0 {
		b.initOn = b.created.Add(sp.QueueFor)
		b.runOn = b.initOn.Add(time.Second)
	}
	if sp.Lines != nil {
		every := sp.LineEvery
		if every <= 0 {
			every = 100 * time.Millisecond
		}
		b.lines = b.lines[:0]
		for i, t := range sp.Lines {
			b.lines = append(b.lines, planLine{at: time.Duration(i+1) * every, text: t})
		}
		b.stopOn = b.runOn.Add(time.Duration(len(sp.Lines)) * every)
	}
	if end := b.runOn.Add(sp.RunFor); sp.RunFor > 0 && end.After(b.stopOn) {
		b.stopOn = end
	}
	s.addBuild(w, b)
	return b.uuid
}
