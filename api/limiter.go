package api

import (
	"context"
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
)

// Budget is the client-side limiter every call goes through: a token bucket
// that keeps the process within its share, and a log of the last window's
// requests so the UI can show what was spent.
type Budget struct {
	limiter *rate.Limiter
	limit   int
	base    rate.Limit // the configured pace, restored when Cloudflare's budget recovers
	burst   int
	now     func() time.Time

	mu       sync.Mutex
	sent     []time.Time // ring of request times within the window
	start    int
	reported *model.Budget // Cloudflare's last Ratelimit report
	slowed   bool
}

// NewBudget allows perWindow requests per BudgetWindow, with a small burst so
// a start-up (Workers, latest builds, history) is not throttled.
func NewBudget(perWindow int) *Budget {
	if perWindow < 1 {
		perWindow = 1
	}
	every := BudgetWindow / time.Duration(perWindow)
	burst := min(perWindow, 10)
	return &Budget{limiter: rate.NewLimiter(rate.Every(every), burst), limit: perWindow,
		base: rate.Every(every), burst: burst, now: time.Now}
}

// Wait blocks until a request may be sent, then records it.
func (b *Budget) Wait(ctx context.Context) error {
	if err := b.limiter.Wait(ctx); err != nil {
		return err
	}
	b.mu.Lock()
	b.sent = append(b.sent, b.now())
	b.mu.Unlock()
	return nil
}

// Spent is the number of requests sent in the last window.
func (b *Budget) Spent() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spentLocked()
}

// Snapshot is the budget as the UI shows it: the process's own count and
// share, and Cloudflare's last report while its window has not reset.
func (b *Budget) Snapshot() model.Budget {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := model.Budget{Spent: b.spentLocked(), Limit: b.limit, Slowed: b.slowed}
	if r := b.reported; r != nil && b.now().Before(r.ResetAt.Add(time.Second)) {
		out.Reported, out.Remaining, out.Quota, out.ResetAt = true, r.Remaining, r.Quota, r.ResetAt
	}
	return out
}

func (b *Budget) spentLocked() int {
	cut := b.now().Add(-BudgetWindow)
	for b.start < len(b.sent) && b.sent[b.start].Before(cut) {
		b.start++
	}
	// Compact now and then so the slice does not grow without bound.
	if b.start > 1024 && b.start > len(b.sent)/2 {
		b.sent = append(b.sent[:0], b.sent[b.start:]...)
		b.start = 0
	}
	return len(b.sent) - b.start
}

// Limit is the number of requests allowed per window.
func (b *Budget) Limit() int { return b.limit }
