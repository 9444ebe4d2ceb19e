// Package simtest holds what tests of the simulated account need and the
// program does not: a clock moved by hand.
package simtest

import (
	"sync"
	"time"
)

// ManualClock is a clock that tests move by hand. Safe for concurrent use.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock starts a clock at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep passes d on the clock: latency in a test's time.
func (c *ManualClock) Sleep(d time.Duration) { c.Advance(d) }

// Advance moves the clock forward.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
