package model

import (
	"context"
	"time"
)

// EventState is where a process's news of builds comes from: events read
// from a queue, or, when there are none to read, polling.
type EventState struct {
	Queue   string    // the queue read ("" none configured)
	Flowing bool      // pulls answer: the news comes from events
	Last    time.Time // the newest event's own time (zero: none yet)
	// Problem says why events are not read now (the queue missing, no pull
	// consumer, a permission, pulls failing) and that polling stands in.
	Problem string
	// Undecodable counts messages that were not build events (acknowledged
	// all the same, never retried).
	Undecodable int
	// Covered is how many Workers send their build events to the queue
	// (CoveredKnown: the subscriptions were read). The others are polled.
	Covered      int
	CoveredKnown bool
}

// EventBatch is what a feed hands on: the events after a sequence number,
// the number to ask after next, and the feed's state.
type EventBatch struct {
	Events []BuildEvent
	Next   uint64
	State  EventState
	// Gap says events were missed between the asked number and these (the
	// asker was too far behind): reconcile by polling.
	Gap bool
	// Covered is the names of the Workers whose build events go to the
	// queue read (nil: not known; then every Worker is taken as covered).
	// A Worker that sends them elsewhere, or nowhere, is polled as
	// without events. Shared: read it, never change it.
	Covered map[string]bool
}

// EventFeed is the events of every Worker's builds, read once for a
// process (serve's sessions share one, as do mcp's tools): Next waits until there are events
// after the number given, or the state changes, or ctx ends.
type EventFeed interface {
	Next(ctx context.Context, after uint64) (EventBatch, error)
	// Since is Next without the wait: what there is now.
	Since(after uint64) EventBatch
}
