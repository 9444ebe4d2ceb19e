package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/cfbuilds/cfbuilds/model"
)

// rateLimitHeader is Cloudflare's report of the user's budget:
// `Ratelimit: "default";r=50;t=30` (r remaining, t seconds to reset) and
// `Ratelimit-Policy: "default";q=1200;w=300` (q per w seconds).
type rateLimitHeader struct {
	remaining, reset int
	quota, window    int
}

// parseRateLimit reads the two headers; ok is false when Ratelimit is absent
// or carries no remaining count.
func parseRateLimit(h http.Header) (rl rateLimitHeader, ok bool) {
	params := func(v string) map[string]int {
		out := map[string]int{}
		// A list of items; the first (Cloudflare sends one, "default") counts.
		item, _, _ := strings.Cut(v, ",")
		for _, p := range strings.Split(item, ";")[1:] {
			k, val, found := strings.Cut(strings.TrimSpace(p), "=")
			if n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(val), `"`)); found && err == nil && n >= 0 {
				out[strings.ToLower(k)] = n
			}
		}
		return out
	}
	r := params(h.Get("Ratelimit"))
	rem, has := r["r"]
	if !has {
		return rl, false
	}
	p := params(h.Get("Ratelimit-Policy"))
	rl = rateLimitHeader{remaining: rem, reset: r["t"], quota: p["q"], window: p["w"]}
	if rl.quota == 0 {
		rl.quota = CloudflareBudget
	}
	return rl, true
}

// lowWater is the part of Cloudflare's quota under which the client slows
// down: a 429 blocks every call for five minutes, so it is better to poll
// less often before that than not at all after it.
const lowWater = 0.25

// observe takes Cloudflare's report from an answer's headers. Once less than
// lowWater of the quota remains, calls are spread so that half of what
// remains lasts until the window resets (the other half is left to the
// user's other tools); above it, the configured pace comes back.
func (b *Budget) observe(h http.Header) {
	rl, ok := parseRateLimit(h)
	if !ok {
		return
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reported = &model.Budget{Reported: true, Remaining: rl.remaining, Quota: rl.quota,
		ResetAt: now.Add(time.Duration(rl.reset) * time.Second)}
	if float64(rl.remaining) >= lowWater*float64(rl.quota) {
		if b.slowed {
			b.limiter.SetLimitAt(now, b.base)
			b.limiter.SetBurstAt(now, b.burst)
			b.slowed = false
		}
		return
	}
	reset := max(float64(rl.reset), 1)
	pace := rate.Limit(float64(rl.remaining) / 2 / reset)
	if pace <= 0 {
		pace = rate.Limit(1 / reset) // one call to see the reset arrive
	}
	b.limiter.SetLimitAt(now, min(pace, b.base))
	b.limiter.SetBurstAt(now, 1)
	b.slowed = true
}
