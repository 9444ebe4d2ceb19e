package tui

import (
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
)

// TestRequestRate measures requests per minute against the simulator with 50
// Workers over 5 simulated minutes after start-up, idle and with an active
// build selected, and holds the steady rate within the default share of the
// budget (300 per 5 minutes, 60 a minute). The start-up burst (Workers,
// latest builds, 50 history pages) is reported; in a real run the client's
// limiter spreads it, which the harness's unlimited budget does not.
func TestRequestRate(t *testing.T) {
	limit := int(api.CloudflareBudget * api.DefaultShare)
	for _, active := range []bool{false, true} {
		h := newHarness(t, sim.Options{Workers: 50, PushEvery: -1, History: 3}, Options{})
		h.size(200, 60)
		if active {
			h.sim.Inject(sim.Spec{Worker: "api-gateway", Lines: make([]string, 3000), LineEvery: 100 * time.Millisecond})
			h.advance(h.m.opts.PollIdle)
			h.keys("g")
		}
		h.advance(time.Minute) // start-up settles
		start := h.sim.Requests()["total"]
		h.advance(5 * time.Minute)
		total := h.sim.Requests()["total"]
		perMin := float64(total-start) / 5
		t.Logf("50 Workers, active=%v: %d requests in the first minute, then %.1f requests/minute (share: %d per 5 minutes)", active, start, perMin, limit)
		if total-start > limit {
			t.Errorf("active=%v: %d requests in 5 steady minutes, over the %d share", active, total-start, limit)
		}
		if active && h.m.log.Store().Len() == 0 {
			t.Error("the active build's log was not read")
		}
	}
}
