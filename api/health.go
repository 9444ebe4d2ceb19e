package api

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// health remembers whether calls are failing now, from the first failed
// attempt to the next success, so a screen can say so while the client is
// still retrying, before any call gives up.
type health struct {
	mu      sync.Mutex
	since   time.Time
	err     error
	nextTry time.Time
}

// failed records a failed attempt and when the next one goes (zero: not
// retried by the client).
func (h *health) failed(err error, now time.Time, retryIn time.Duration) {
	if errors.Is(err, context.Canceled) {
		return // the caller gave up: nothing is failing
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err == nil {
		h.since = now
	}
	h.err = err
	h.nextTry = time.Time{}
	if retryIn > 0 {
		h.nextTry = now.Add(retryIn)
	}
}

func (h *health) ok() {
	h.mu.Lock()
	h.err = nil
	h.mu.Unlock()
}

// Health says whether calls are failing now: since when, the last error
// (sanitized, one line) and when the client tries again.
func (c *Client) Health() model.Health {
	c.health.mu.Lock()
	defer c.health.mu.Unlock()
	if c.health.err == nil {
		return model.Health{}
	}
	return model.Health{Failing: true, Since: c.health.since, Err: model.SanitizeInline(c.health.err.Error()), NextTry: c.health.nextTry}
}
