// Package shared is one data source for many dashboards: `cfbuilds serve`
// gives every SSH session its own dashboard, and this sits between them and
// the API client so that N viewers cost the API what one does.
//
// It does not know the dashboards' schedules; it coalesces. A call that is
// in flight is joined, not repeated, and an answer is reused while it is
// fresh: about one poll interval for what changes (the latest builds while
// one runs, a running build's log step), longer for what does not (a stopped
// build's log, a Worker's deployments). Ten sessions watching one running
// build ask for the same things on the same clock, so the API sees one.
//
// A log is tailed once however many view it: a step is keyed by the tail
// state it starts from, so sessions at the same point share it, and a
// session behind the others is handed the steps they already took (whatever
// their age) until it catches up with them. When no one views a log, no one
// asks, and the cache forgets it.
package shared

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// Fresh says how long answers are reused: the dashboards' poll intervals.
type Fresh struct {
	Active time.Duration // the latest builds while one runs (the dashboards' PollActive)
	Idle   time.Duration // the latest builds when all are idle (PollIdle)
	Log    time.Duration // a running build and its log (PollLog)
}

func (f *Fresh) defaults() {
	if f.Active <= 0 {
		f.Active = 3 * time.Second
	}
	if f.Idle <= 0 {
		f.Idle = 30 * time.Second
	}
	if f.Log <= 0 {
		f.Log = 2 * time.Second
	}
}

// Limits of the cache: a stopped build's log page is kept this long, and no
// more than maxEntries answers are kept at once (the oldest go first).
const (
	keepStopped = 10 * time.Minute
	maxEntries  = 4096
	// stepsKept is how many steps of one log are kept for sessions behind
	// the others: a step holds up to a few thousand lines.
	stepsKept = 8
	// callTimeout bounds one upstream call: the dashboards waiting on it
	// give up on their own deadlines, but the call itself must end too.
	callTimeout = 2 * time.Minute
)

// Source is the shared source. Its methods are safe for concurrent use.
type Source struct {
	up    model.Source
	fresh Fresh
	now   func() time.Time
	life  context.Context // upstream calls end with it (the server's)

	mu      sync.Mutex
	entries map[string]*entry
	steps   map[string][]string // a log's step keys, oldest first; the last is the head
	swept   time.Time
}

// entry is one answer, or one call in flight (done not yet closed).
type entry struct {
	done  chan struct{}
	val   any
	err   error
	at    time.Time     // when the answer came
	ttl   time.Duration // how long it is reused
	stale bool          // dropped by a write: never reused
}

// New shares up (the API client). Upstream calls run under life, not under the context of
// the session that happened to ask first: a session closing mid-call does
// not fail the others waiting on the same answer.
func New(life context.Context, up model.Source, fresh Fresh) *Source {
	fresh.defaults()
	s := &Source{up: up, fresh: fresh, now: time.Now, life: life, entries: map[string]*entry{}, steps: map[string][]string{}}
	if c, ok := up.(interface{ Now() time.Time }); ok {
		s.now = c.Now // the client's clock: answers age in the time it keeps
	}
	return s
}

// share answers key from a fresh entry, joins the call in flight, or makes
// the call; ttl says how long its answer may be reused. Errors are shared
// with those who waited on the call, never kept.
func share[T any](ctx context.Context, s *Source, key string, ttl func(T) time.Duration, fetch func(context.Context) (T, error)) (T, error) {
	var zero T
	s.mu.Lock()
	e, ok := s.entries[key]
	if !ok || !s.usable(e) || model.WantsFresh(ctx) && answered(e) {
		e = &entry{done: make(chan struct{})}
		s.entries[key] = e
		s.trim()
		s.mu.Unlock()
		go s.run(e, model.PriorityOf(ctx), func(ctx context.Context) (any, time.Duration, error) {
			v, err := fetch(ctx)
			if err != nil {
				return v, 0, err
			}
			return v, ttl(v), nil
		})
	} else {
		s.mu.Unlock()
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	if e.err != nil {
		return zero, e.err
	}
	v, _ := e.val.(T)
	return own(v), nil
}

// own copies the slices and maps of an answer: each session gets its own,
// free to change it (the dashboard fills in a history's Worker tag), while
// the cache keeps the original for the next.
func own[T any](v T) T {
	var out any
	switch x := any(v).(type) {
	case []model.Worker:
		out = slices.Clone(x)
	case []model.Build:
		out = slices.Clone(x)
	case map[string]model.Build:
		out = maps.Clone(x)
	case []model.Deployment:
		out = slices.Clone(x)
	case []model.Trigger:
		out = slices.Clone(x)
	case []model.LogLine:
		out = slices.Clone(x)
	case model.TailStep:
		x.Lines = slices.Clone(x.Lines)
		out = x
	default:
		return v
	}
	return out.(T)
}

// run makes one upstream call for e, at the priority of the session that
// asked first.
func (s *Source) run(e *entry, prio model.Priority, fetch func(context.Context) (any, time.Duration, error)) {
	ctx, cancel := context.WithTimeout(model.WithPriority(s.life, prio), callTimeout)
	defer cancel()
	v, ttl, err := fetch(ctx)
	s.mu.Lock()
	e.val, e.err, e.ttl, e.at = v, err, ttl, s.now()
	s.mu.Unlock()
	close(e.done)
}

// usable: in flight, or answered without error within its ttl. Called
// with mu held.
func (s *Source) usable(e *entry) bool {
	if e.stale {
		return false
	}
	select {
	case <-e.done:
		return e.err == nil && s.now().Sub(e.at) < e.ttl
	default:
		return true
	}
}

// answered reports whether e's call has come back (a fresh read may join
// a call in flight, never take a kept answer).
func answered(e *entry) bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// trim drops answers past their ttl once the cache is over its size, then
// the oldest. Called with mu held.
func (s *Source) trim() {
	if now := s.now(); now.Sub(s.swept) > time.Minute {
		s.swept = now
		s.sweep(now)
	}
	if len(s.entries) <= maxEntries {
		return
	}
	var oldestKey string
	var oldest time.Time
	for k, e := range s.entries {
		select {
		case <-e.done:
		default:
			continue // in flight: someone waits on it
		}
		if !s.usable(e) {
			delete(s.entries, k)
			continue
		}
		if oldestKey == "" || e.at.Before(oldest) {
			oldestKey, oldest = k, e.at
		}
	}
	if len(s.entries) > maxEntries && oldestKey != "" {
		delete(s.entries, oldestKey)
	}
}

// sweep drops what no one asked for in keepStopped: logs no one views.
// Called with mu held.
func (s *Source) sweep(now time.Time) {
	for k, e := range s.entries {
		select {
		case <-e.done:
			if now.Sub(e.at) > max(e.ttl, keepStopped) || e.err != nil {
				delete(s.entries, k)
			}
		default:
		}
	}
	for uuid, keys := range s.steps {
		kept := keys[:0]
		for _, k := range keys {
			if _, ok := s.entries[k]; ok {
				kept = append(kept, k)
			}
		}
		if len(kept) == 0 {
			delete(s.steps, uuid)
		} else {
			s.steps[uuid] = kept
		}
	}
}

// forget marks every answer about builds stale after a write (a cancel, a
// new build), so every session sees the change at its next poll.
func (s *Source) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.entries {
		if !strings.HasPrefix(k, "step|") {
			e.stale = true
		}
	}
}

// for the ttl funcs: how long an answer about builds stays fresh.
func (s *Source) latestTTL(bs map[string]model.Build) time.Duration {
	for _, b := range bs {
		if b.Active() {
			return s.fresh.Active * 19 / 20
		}
	}
	// Idle: half the idle poll, so a push is seen within 1.5 polls however
	// the sessions' clocks fall.
	return s.fresh.Idle / 2
}

func (s *Source) buildTTL(b model.Build) time.Duration {
	if b.Active() {
		return s.fresh.Log * 19 / 20
	}
	return s.fresh.Idle
}

// The dashboard's calls.

// Workers lists the account's Workers.
func (s *Source) Workers(ctx context.Context) ([]model.Worker, error) {
	return share(ctx, s, "workers", func([]model.Worker) time.Duration { return s.fresh.Idle }, s.up.Workers)
}

// LatestBuilds is the latest build of each Worker in tags.
func (s *Source) LatestBuilds(ctx context.Context, tags []string) (map[string]model.Build, error) {
	return share(ctx, s, "latest|"+strings.Join(tags, ","), s.latestTTL, func(ctx context.Context) (map[string]model.Build, error) {
		return s.up.LatestBuilds(ctx, tags)
	})
}

// WorkerHistory is a Worker's recent builds.
func (s *Source) WorkerHistory(ctx context.Context, w model.Worker, limit int) ([]model.Build, error) {
	key := "history|" + w.Tag + "|" + w.Name + "|" + strconv.Itoa(limit)
	return share(ctx, s, key, func([]model.Build) time.Duration { return s.fresh.Idle / 2 }, func(ctx context.Context) ([]model.Build, error) {
		return s.up.WorkerHistory(ctx, w, limit)
	})
}

// Build is one build.
func (s *Source) Build(ctx context.Context, uuid string) (model.Build, error) {
	return share(ctx, s, "build|"+uuid, s.buildTTL, func(ctx context.Context) (model.Build, error) {
		return s.up.Build(ctx, uuid)
	})
}

// Step is one step of a log tail, keyed by the tail state it starts from.
// A step that moved the tail on is a fact: it is reused however old, so a
// session behind the others takes the steps they took and joins them at
// the head instead of starting a chain of its own. A step that found
// nothing new is asked again after a log poll.
func (s *Source) Step(ctx context.Context, t model.Tail, stopped bool) (model.TailStep, error) {
	key := stepKey(t, stopped)
	s.remember(t.UUID, key)
	ttl := func(v model.TailStep) time.Duration {
		if stopped || stepKey(v.Tail, stopped) != key {
			return keepStopped
		}
		return s.fresh.Log * 19 / 20
	}
	return share(ctx, s, key, ttl, func(ctx context.Context) (model.TailStep, error) {
		return s.up.Step(ctx, t, stopped)
	})
}

// stepKey names the point of a log a tail is at: the build, how many lines
// it has, how it reads on. Not the cursor: a cursor is opaque, and two
// sessions at the same line of one log may hold different ones (one read
// its first page after the others' steps were forgotten); either continues
// the same log, so they share the step and come out of it holding the same
// tail. Not the empty-poll count either: a heuristic of when to read from
// the start, not a place in the log.
func stepKey(t model.Tail, stopped bool) string {
	return "step|" + t.UUID + "|" + strconv.Itoa(t.Lines) + "|" + strconv.Itoa(int(t.Mode)) + "|" +
		strconv.FormatBool(t.AtEnd) + "|" + strconv.FormatBool(t.Done) + "|" +
		strconv.FormatBool(stopped) + "|" + t.First
}

// remember keeps the last stepsKept step keys of a log and drops the
// answers of older ones: a step holds up to a few thousand lines.
func (s *Source) remember(uuid, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := s.steps[uuid]
	if slices.Contains(keys, key) {
		return
	}
	keys = append(keys, key)
	if len(keys) > stepsKept {
		if e, ok := s.entries[keys[0]]; ok {
			select {
			case <-e.done:
				delete(s.entries, keys[0])
			default: // in flight: the sweep takes it later
			}
		}
		keys = keys[1:]
	}
	s.steps[uuid] = keys
}

// ReadLog reads a whole log: what compare (d) and a failed build's first
// error read. Shared like the rest, for a log poll's time: ten sessions
// comparing the same builds, or one pressing d ten times, read it once.
func (s *Source) ReadLog(ctx context.Context, uuid string) ([]model.LogLine, error) {
	return share(ctx, s, "log|"+uuid, func([]model.LogLine) time.Duration { return s.fresh.Log }, func(ctx context.Context) ([]model.LogLine, error) {
		return s.up.ReadLog(ctx, uuid)
	})
}

// Deployments is a Worker's deployments.
func (s *Source) Deployments(ctx context.Context, workerName string) ([]model.Deployment, error) {
	return share(ctx, s, "deploys|"+workerName, func([]model.Deployment) time.Duration { return s.fresh.Idle }, func(ctx context.Context) ([]model.Deployment, error) {
		return s.up.Deployments(ctx, workerName)
	})
}

// BuildsByVersion maps version ids to the builds that made them.
func (s *Source) BuildsByVersion(ctx context.Context, versionIDs []string) (map[string]model.Build, error) {
	key := "byversion|" + strings.Join(versionIDs, ",")
	return share(ctx, s, key, func(map[string]model.Build) time.Duration { return s.fresh.Idle }, func(ctx context.Context) (map[string]model.Build, error) {
		return s.up.BuildsByVersion(ctx, versionIDs)
	})
}

// Triggers is a Worker's triggers, read when a session opens a dialog.
func (s *Source) Triggers(ctx context.Context, w model.Worker) ([]model.Trigger, error) {
	key := "triggers|" + w.Tag + "|" + w.Name
	return share(ctx, s, key, func([]model.Trigger) time.Duration { return s.fresh.Active }, func(ctx context.Context) ([]model.Trigger, error) {
		return s.up.Triggers(ctx, w)
	})
}

// Cancel cancels a build: never shared, and every session sees it at its
// next poll.
func (s *Source) Cancel(ctx context.Context, uuid string) (model.CancelResult, error) {
	defer s.forget()
	return s.up.Cancel(ctx, uuid)
}

// StartBuild starts a build: never shared, and every session sees it at
// its next poll.
func (s *Source) StartBuild(ctx context.Context, triggerUUID, branch, commit string, purge bool) (string, error) {
	defer s.forget()
	return s.up.StartBuild(ctx, triggerUUID, branch, commit, purge)
}

// Usage is the API budget, the one every session shares.
func (s *Source) Usage() model.Budget { return s.up.Usage() }

// Health is whether API calls are failing now.
func (s *Source) Health() model.Health { return s.up.Health() }

// Both sides of the shared source are model.Source: it stands wherever the
// client does.
var _ model.Source = (*Source)(nil)
