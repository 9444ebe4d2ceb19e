package sim

// What an account has beside cfbuilds' own queue, for tests: queues of
// other uses, a queue a Worker consumes, events another producer puts on a
// queue, a DELETE that answers 404.

import (
	"fmt"
)

// AddForeignQueue makes a queue consumed by a Worker (as Cloudflare's
// build-notifications template does) and subscribes the named Workers to
// it, moving any subscription they had: their events go there, not to a
// queue cfbuilds reads. It returns the queue's id.
func (s *Sim) AddForeignQueue(name, consumerScript string, workers ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	q := s.newQueue(name, now)
	q.workerConsumer = consumerScript
	for _, w := range workers {
		kept := s.subs[:0]
		for _, sub := range s.subs {
			if sub.worker != w {
				kept = append(kept, sub)
			}
		}
		s.subs = kept
		s.subscribe(w, q.id, now).name = name + "-" + w
	}
	return q.id
}

// ForgedEvent is an event put on a queue by another producer: it names a
// Worker, a build uuid (one the account has, or not) and a commit, and
// says what the build did, whatever the build really did.
type ForgedEvent struct {
	Queue, Worker, BuildUUID, Commit string
	Kind                             string // started, succeeded, failed, canceled
}

// Forge puts a forged event on a queue, as a producer other than Workers
// Builds could. It reports false when there is no such queue or Worker.
func (s *Sim) ForgeEvent(f ForgedEvent) bool {
	now := s.lockNow()
	defer s.mu.Unlock()
	var q *simQueue
	for _, c := range s.queues {
		if c.name == f.Queue {
			q = c
		}
	}
	w := s.findWorker(func(x *worker) bool { return x.name == f.Worker })
	if q == nil || w == nil {
		return false
	}
	b := &build{uuid: f.BuildUUID, worker: w, commit: f.Commit, branch: "main", created: now, initOn: now, runOn: now, stopOn: now}
	if real, ok := s.builds[f.BuildUUID]; ok {
		cp := *real
		cp.stopOn = now
		b = &cp
	}
	q.next++
	q.msgs = append(q.msgs, &queueMsg{id: fmt.Sprintf("%032x", q.next), body: s.eventBody(b, f.Kind, now), sent: now, visibleAt: now})
	return true
}

// AddQueues makes n queues of other uses (named other-1, other-2, …)
// before the ones the test cares about: an account of many queues.
func (s *Sim) AddQueues(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	for i := range n {
		s.newQueue(fmt.Sprintf("other-%d", i+1), now)
	}
}

// BreakQueueDelete makes a queue's DELETE answer 404 and keep the queue,
// as a proxy or a stale cache in front of the API can.
func (s *Sim) BreakQueueDelete() {
	s.mu.Lock()
	s.queueDelete404 = true
	s.mu.Unlock()
}
