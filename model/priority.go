package model

import (
	"context"
	"time"
)

// Priority says who is waiting for a request, so the one request scheduler
// of a process (api.Scheduler) can serve a person before a background poll.
// The lower the number, the sooner.
type Priority int

const (
	// Interactive: a person waits now (a key: open a log, the trigger read
	// behind R or B, cancel, rebuild, compare; a CLI command).
	Interactive Priority = iota
	// LiveTail: the selected build's running log and state.
	LiveTail
	// Poll: the latest builds of every Worker.
	Poll
	// Sweep: histories, deployments and other background reads.
	Sweep

	// Priorities is how many there are.
	Priorities = int(Sweep) + 1
)

func (p Priority) String() string {
	switch p {
	case Interactive:
		return "interactive"
	case LiveTail:
		return "live tail"
	case Poll:
		return "poll"
	}
	return "sweep"
}

type priorityKey struct{}

// WithPriority marks the requests made under ctx.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityOf is the priority ctx carries: Interactive when none (a command
// someone typed).
func PriorityOf(ctx context.Context) Priority {
	if p, ok := ctx.Value(priorityKey{}).(Priority); ok && p >= Interactive && p <= Sweep {
		return p
	}
	return Interactive
}

type freshKey struct{}

// WithFresh asks that the reads made under ctx be answered by the API now,
// not from an answer a shared source kept: a verdict's last look (live
// once is not live; an event is confirmed by a read of its own).
func WithFresh(ctx context.Context) context.Context {
	return context.WithValue(ctx, freshKey{}, true)
}

// WantsFresh reports whether ctx asks for fresh answers.
func WantsFresh(ctx context.Context) bool {
	fresh, _ := ctx.Value(freshKey{}).(bool)
	return fresh
}

// Within is ctx cancelled after d: a bound for a wait that includes waits
// for the request budget. It is a cancel, not a deadline, because the
// client lets a deadline run on while a request waits its turn (pacing is
// not failure) and only a cancel ends that wait.
func Within(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	t := time.AfterFunc(d, cancel)
	return c, func() { t.Stop(); cancel() }
}
