package model

import "time"

// Budget is what is known of the API request budget at one moment: the
// process's own count against its share, and what Cloudflare last reported
// for the whole user (shared with every other tool), when it did.
type Budget struct {
	Spent int // requests this process sent in the last window
	Limit int // requests this process allows itself per window

	// Reported says Cloudflare's Ratelimit header was seen; then Remaining
	// of Quota are left in Cloudflare's window, which resets at ResetAt.
	Reported  bool
	Remaining int
	Quota     int
	ResetAt   time.Time
	// Slowed says the client is spacing its calls out because little of
	// Cloudflare's budget remains.
	Slowed bool
	// GatedUntil: Cloudflare answered 429 (or said nothing remains), and no
	// request of the process is sent before then (zero: not gated).
	GatedUntil time.Time
	// Waiting is the number of requests queued for their turn.
	Waiting int
}

// Health is whether the API calls are failing now: since when, the last
// error and when the client tries again (zero: not known).
type Health struct {
	Failing bool
	Since   time.Time
	Err     string
	NextTry time.Time
}
