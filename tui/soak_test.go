package tui

import (
	"flag"
	"runtime"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

var soakMinutes = flag.Int("soak-minutes", 30, "simulated minutes of the fault soak")

// TestFaultSoak runs the dashboard headless against a faulty simulator for
// 30 simulated minutes (-soak-minutes): 20% 5xx, 5% HTML 502 pages, 5%
// malformed JSON, up to 3 s of latency, one 429 (five minutes blocked) and a
// 60-second outage with the port refusing connections. Every build the
// dashboard followed to the end must hold exactly the simulator's log; the
// status bar must show the errors and clear them on recovery; the request
// rate must stay within the share; memory and goroutines must come back.
func TestFaultSoak(t *testing.T) {
	t.Parallel()
	minutes := *soakMinutes
	if testing.Short() {
		minutes = 12
	}
	startGoroutines := runtime.NumGoroutine()
	faults := sim.Faults{Server5xx: 0.20, HTML502: 0.05, Malformed: 0.05, Latency: 3 * time.Second}
	h := newHarness(t, sim.Options{Workers: 8, PushEvery: 30 * time.Second, History: 2, Faults: faults}, Options{})
	h.size(120, 40)

	verified := map[string]bool{}
	checkLog := func() {
		if !h.m.tail.Done || verified[h.m.selUUID] {
			return
		}
		want, err := h.sim.LogText(h.m.selUUID)
		if err != nil {
			t.Fatal(err)
		}
		st := h.m.log.Store()
		if st.Len() != len(want) {
			t.Fatalf("build %s: the dashboard holds %d lines, the simulator %d", h.m.selUUID, st.Len(), len(want))
		}
		for i, w := range want {
			if got := st.At(i); got.Text != model.Sanitize(w).Text {
				t.Fatalf("build %s line %d: %q, want %q", h.m.selUUID, i, got.Text, w)
			}
		}
		verified[h.m.selUUID] = true
	}

	var heapAt5, peakHeap uint64
	var outageEnd time.Time
	var recovered time.Duration = -1
	sawErrorInOutage := false
	blockAt, outageAt := minutes/3, 2*minutes/3
	for min := 0; min < minutes; min++ {
		switch min {
		case blockAt:
			h.sim.Block(5 * time.Minute) // Cloudflare's 429: every call, five minutes
		case outageAt:
			h.outage()
			for s := 0; s < 60; s++ {
				h.advance(time.Second)
				if showsError(h.view()) {
					sawErrorInOutage = true
				}
			}
			h.restore()
			outageEnd = h.clock.Now()
		}
		if min%2 == 0 {
			h.keys("g") // follow the newest build
		}
		for s := 0; s < 60; s++ {
			h.advance(time.Second)
			checkLog()
			if !outageEnd.IsZero() && recovered < 0 && h.m.lastRefresh.After(outageEnd) {
				recovered = h.m.lastRefresh.Sub(outageEnd)
				if p := h.m.poll[pollLatest]; p.err != nil {
					t.Fatal("a good refresh left its error in the status bar")
				}
			}
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peakHeap = max(peakHeap, ms.HeapAlloc)
		if min == 5 {
			heapAt5 = ms.HeapAlloc
		}
		tuitest.CheckFrame(t, h.view(), 120, 40)
	}
	if !sawErrorInOutage {
		t.Error("the status bar never showed the outage")
	}
	if recovered < 0 {
		t.Fatal("no good refresh after the outage")
	}
	if len(verified) < 3 {
		t.Fatalf("only %d builds followed to the end", len(verified))
	}
	share := int(api.CloudflareBudget * api.DefaultShare)
	peakWindow := h.sim.MaxInWindow(api.BudgetWindow)
	if peakWindow > share {
		t.Errorf("%d requests in one 5-minute window, over the share of %d", peakWindow, share)
	}
	if peakHeap > heapAt5+64<<20 {
		t.Errorf("heap grew from %d MB to %d MB", heapAt5>>20, peakHeap>>20)
	}
	total := h.sim.Requests()["total"]
	// Back to the starting goroutines once the program's connections close.
	h.m.stopSelection()
	_ = h.server.Close()
	h.client.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > startGoroutines+1 && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	endGoroutines := runtime.NumGoroutine()
	if endGoroutines > startGoroutines+1 {
		t.Errorf("goroutines: %d at the start, %d at the end", startGoroutines, endGoroutines)
	}
	t.Logf("soak: %d simulated minutes, %d requests (%.1f/minute, at most %d in any 5 minutes of a %d share), %d builds' logs verified, peak heap %d MB (%d MB at minute 5), goroutines %d → %d, first good refresh %v after the outage ended",
		minutes, total, float64(total)/float64(minutes), peakWindow, share, len(verified), peakHeap>>20, heapAt5>>20, startGoroutines, endGoroutines, recovered)
}
