package api

// The event reader: one consumer of a queue of Workers Builds events for
// the whole process (every dashboard of `serve` reads from the same one;
// several pullers on one queue would split its messages). It pulls every
// few seconds, at once again after a full batch, decodes, keeps the last
// events for those who read them, and acknowledges each batch in one call
// once it is kept. Pulls and acks go through the scheduler at the Poll
// priority. When the queue cannot be read it says why, and tries again
// with a growing wait; the dashboards poll meanwhile.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

const (
	pullBatch      = 100              // messages a pull asks for (the API's most)
	pullVisibility = 30 * time.Second // how long a pulled message stays hidden
	keptEvents     = 1024             // events kept for readers behind the others (about 1.2 MB: 4,096 held 4.9 MB, the creep of #35.17)
	maxEventWait   = 5 * time.Minute  // the longest wait before trying the queue again
	coveredEvery   = 10 * time.Minute // how often the queue's subscriptions are read again (new Workers, changes)
)

// EventReader reads one queue's events. Its methods are safe for
// concurrent use.
type EventReader struct {
	c     *Client
	queue string
	every time.Duration
	logf  func(format string, a ...any)

	mu      sync.Mutex
	changed chan struct{} // closed (and replaced) when events or the state change
	kept    []model.BuildEvent
	first   uint64 // the number of kept[0]
	state   model.EventState
	said    bool // an undecodable message was said once

	covered   map[string]bool // Workers subscribed to the queue (nil: not read)
	coveredAt time.Time
	reading   bool // a read of the subscriptions is under way
}

// NewEventReader reads the queue named nameOrID every every (default 2 s);
// logf gets what only a debug log wants (nil: nothing).
func NewEventReader(c *Client, nameOrID string, every time.Duration, logf func(string, ...any)) *EventReader {
	if every <= 0 {
		every = 2 * time.Second
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &EventReader{c: c, queue: nameOrID, every: every, logf: logf, changed: make(chan struct{}), first: 2, // 1 stands for "none yet"; 0 for "from now"
		state: model.EventState{Queue: nameOrID}}
}

// Run pulls until ctx ends.
func (r *EventReader) Run(ctx context.Context) {
	ctx = model.WithPriority(ctx, model.Poll)
	wait, backoff := time.Duration(0), r.every
	var q Queue
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		full, err := r.pullOnce(ctx, &q)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			r.setProblem(err)
			if errors.Is(err, ErrNotFound) {
				q = Queue{} // look the queue up again
			}
			wait, backoff = backoff, min(backoff*2, maxEventWait)
		case full:
			wait, backoff = 0, r.every
		default:
			wait, backoff = r.every, r.every
		}
	}
}

// pullOnce finds the queue when not known, pulls one batch, keeps what it
// decodes and acknowledges the batch; full says the batch came back full.
func (r *EventReader) pullOnce(ctx context.Context, q *Queue) (full bool, err error) {
	if q.ID == "" {
		found, err := r.c.FindQueue(ctx, r.queue)
		if err != nil {
			return false, err
		}
		if found.ConsumerType != "http_pull" {
			return false, fmt.Errorf("queue %s has no HTTP pull consumer (cfbuilds events setup adds one)", model.SanitizeInline(found.Name))
		}
		*q = found
	}
	r.startReadCovered(ctx, q.ID)
	msgs, err := r.c.Pull(ctx, q.ID, pullBatch, pullVisibility)
	if err != nil {
		return false, err
	}
	var evs []model.BuildEvent
	leases := make([]string, 0, len(msgs))
	bad := 0
	for _, m := range msgs {
		leases = append(leases, m.LeaseID)
		ev, err := model.DecodeEvent(m.Body)
		if err != nil {
			bad++
			r.sayUndecodable(m, err)
			continue
		}
		evs = append(evs, ev)
	}
	r.keep(evs, bad)
	if len(leases) > 0 {
		// Kept, then acknowledged: one that fails comes again, and
		// applying an event twice changes nothing.
		if err := r.c.Ack(ctx, q.ID, leases); err != nil {
			r.logf("events: acknowledge %d messages: %v", len(leases), err)
		}
	}
	return len(msgs) >= pullBatch, nil
}

// startReadCovered reads the queue's subscriptions beside the pulls when
// due: at the Sweep priority it may wait for the budget, and the news
// must not wait with it.
func (r *EventReader) startReadCovered(ctx context.Context, queueID string) {
	r.mu.Lock()
	due := !r.reading && time.Since(r.coveredAt) >= coveredEvery
	if due {
		r.reading = true
	}
	r.mu.Unlock()
	if !due {
		return
	}
	go func() {
		r.readCovered(ctx, queueID)
		r.mu.Lock()
		r.reading = false
		r.mu.Unlock()
	}()
}

// readCovered learns which Workers send their build events to the queue:
// when the queue is first read and every coveredEvery after. A read that
// fails keeps what was known (or nothing: every Worker taken as covered,
// as before) and is said in the debug log.
func (r *EventReader) readCovered(ctx context.Context, queueID string) {
	r.mu.Lock()
	due := time.Since(r.coveredAt) >= coveredEvery
	r.mu.Unlock()
	if !due {
		return
	}
	subs, err := r.c.Subscriptions(model.WithPriority(ctx, model.Sweep))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.coveredAt = time.Now()
	if err != nil {
		r.logf("events: could not read which Workers send to the queue (%v); every Worker is taken as covered", err)
		return
	}
	covered := map[string]bool{}
	for _, s := range subs {
		if s.QueueID == queueID {
			covered[s.Worker] = true
		}
	}
	r.covered = covered // replaced whole: readers hold the old one safely
	r.state.Covered, r.state.CoveredKnown = len(covered), true
	r.signal()
}

func (r *EventReader) sayUndecodable(m QueueMessage, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.said {
		r.said = true
		r.logf("events: message %s is not a build event (%v); acknowledged, not retried; later ones are counted only", model.SanitizeInline(m.ID), err)
	}
}

// keep adds decoded events and marks the feed flowing.
func (r *EventReader) keep(evs []model.BuildEvent, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	was := r.state
	r.state.Flowing, r.state.Problem = true, ""
	r.state.Undecodable += bad
	now := time.Now()
	for i, ev := range evs {
		ev = ev.Clamped(now)
		evs[i] = ev
		if ev.At.After(r.state.Last) {
			r.state.Last = ev.At
		}
	}
	r.kept = append(r.kept, evs...)
	if over := len(r.kept) - keptEvents; over > 0 {
		r.kept = append(r.kept[:0:0], r.kept[over:]...)
		r.first += uint64(over)
	}
	if len(evs) > 0 || was != r.state {
		r.signal()
	}
}

func (r *EventReader) setProblem(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	problem := "events from queue " + model.SanitizeInline(r.queue) + " not read: " + model.SanitizeInline(err.Error())
	if r.state.Problem != problem || r.state.Flowing {
		r.logf("%s; polling meanwhile", problem)
		r.state.Flowing, r.state.Problem = false, problem
		r.signal()
	}
}

// signal wakes the readers waiting in Next. Called with mu held.
func (r *EventReader) signal() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// State is where the news comes from now.
func (r *EventReader) State() model.EventState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// Next waits until there are events after the number after (0: from now
// on; a dashboard that opens later is not handed the past), or the state
// changes, or ctx ends.
func (r *EventReader) Next(ctx context.Context, after uint64) (model.EventBatch, error) {
	r.mu.Lock()
	seen := r.state
	if after == 0 {
		after = r.first + uint64(len(r.kept)) - 1
	}
	for {
		end := r.first + uint64(len(r.kept))
		if after+1 < end || r.state != seen {
			b := model.EventBatch{Next: end - 1, State: r.state, Covered: r.covered}
			from := max(after+1, r.first)
			b.Gap = after+1 < r.first
			b.Events = append([]model.BuildEvent(nil), r.kept[from-r.first:]...)
			r.mu.Unlock()
			return b, nil
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return model.EventBatch{}, ctx.Err()
		case <-ch:
		}
		r.mu.Lock()
	}
}

// Since is Next without the wait: the events after the number after
// (0: none yet asked; from the first kept), now.
func (r *EventReader) Since(after uint64) model.EventBatch {
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.first + uint64(len(r.kept))
	from := max(after+1, r.first)
	b := model.EventBatch{Next: end - 1, State: r.state, Gap: after != 0 && after+1 < r.first, Covered: r.covered}
	if from < end {
		b.Events = append([]model.BuildEvent(nil), r.kept[from-r.first:]...)
	}
	return b
}

var _ model.EventFeed = (*EventReader)(nil)
