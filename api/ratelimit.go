package api

import (
	"net/http"
	"strconv"
	"strings"
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
