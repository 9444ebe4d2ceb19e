// Package simtest holds what tests of the simulated account need and the
// program does not: a clock moved by hand.
package simtest

import (
	"sort"
	"sync"
	"time"
)

// ManualClock is a clock that tests move by hand: its timers fire, in
// order, when Advance passes them. Safe for concurrent use.
type ManualClock struct {
	mu     sync.Mutex
	t      time.Time
	timers []*timer
}

type timer struct {
	at      time.Time
	f       func()
	stopped bool
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

// AfterFunc calls f once the clock has been advanced past d from now; the
// returned func stops it.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{at: c.t.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Advance moves the clock forward, firing each timer due at its own time.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.t.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
		var due *timer
		for len(c.timers) > 0 && due == nil && !c.timers[0].at.After(end) {
			if t := c.timers[0]; !t.stopped {
				due = t
			}
			c.timers = c.timers[1:]
		}
		if due == nil {
			c.t = end
			c.mu.Unlock()
			return
		}
		if due.at.After(c.t) {
			c.t = due.at
		}
		due.stopped = true
		c.mu.Unlock()
		due.f()
	}
}
