package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
)

// A comparison left with esc before its logs are read is dropped: it does
// not pop up later over whatever the person does (#25.10).
func TestDroppedComparisonStaysDropped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	h.advance(time.Minute)
	h.keys("m", "j")
	read := h.m.compareShown() // the reads, not run yet
	if read == nil {
		t.Fatal("nothing to compare")
	}
	h.keys("esc")
	if !strings.Contains(h.m.flash, "comparison dropped") {
		t.Fatalf("esc did not drop the comparison: flash %q", h.m.flash)
	}
	h.exec(read) // the reads come back after all
	if h.m.comparison() != nil {
		t.Fatal("a dropped comparison popped up")
	}
	// Not dropped, it shows.
	h.exec(h.m.compareShown())
	if h.m.comparison() == nil {
		t.Fatal("a comparison no one dropped did not show")
	}
}

// A running build with no log lines yet says it waits for them, not "live"
// (#25.13); once lines come, it is live.
func TestLogWaitsForTheFirstLines(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	h.advance(time.Second)
	id := h.sim.Inject(sim.Spec{Lines: []string{"first line"}, QueueFor: time.Second, LineEvery: 20 * time.Second})
	h.keys("r")
	h.advance(3 * time.Second)
	h.m.list.Select(id)
	h.send(settleMsg{gen: h.m.selGen}) // as if the cursor rested on it
	if v := h.view(); !strings.Contains(v, "waiting for the first lines") || strings.Contains(v, "· live") {
		t.Fatalf("no lines yet:\n%s", v)
	}
	h.advance(25 * time.Second)
	if v := h.view(); !strings.Contains(v, "first line") || !strings.Contains(v, "live") {
		t.Fatalf("after the first line:\n%s", v)
	}
}

// m puts a mark on the row and says so in the status bar; m again takes
// it off (#25.12).
func TestMarkIsVisible(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(160, 40)
	h.advance(time.Minute)
	b, _ := h.m.shownBuild()
	h.keys("m", "j")
	h.advance(7 * time.Second) // the flash that says it has passed; the bar keeps saying it
	v := h.view()
	if !strings.Contains(v, " ◆") || !strings.Contains(v, "◆ "+b.ShortCommit()+" of "+b.WorkerName+" marked (d compares)") {
		t.Fatalf("no visible mark:\n%s", v)
	}
	h.keys("k", "m")
	if strings.Contains(h.view(), "◆") {
		t.Fatalf("the mark stayed after m again:\n%s", h.view())
	}
}

// The detail names what doctor finds in the build's trigger (#23): a Pages
// deploy command on a Worker.
func TestDetailShowsTriggerProblems(t *testing.T) {
	t.Parallel()
	var id, name string
	h := newHarnessWith(t, quiet(), Options{}, func(s *sim.Sim) {
		name = s.Workers()[0][0]
		if err := s.Break(name, sim.ProblemPages); err != nil {
			t.Fatal(err)
		}
		id = s.Inject(sim.Spec{Worker: name, Branch: "main", Lines: []string{"x"}})
	})
	h.size(240, 50)
	h.advance(time.Minute)
	h.m.list.Select(id)
	h.send(settleMsg{gen: h.m.selGen})
	if v := h.view(); !strings.Contains(v, "settings: trigger Deploy "+name+` deploys with "npx wrangler pages deploy dist"`) {
		t.Fatalf("no settings line:\n%s", v)
	}
	// Its row carries a mark: ▸ then ! before the state.
	if v := h.view(); !strings.Contains(v, "▸!") {
		t.Fatalf("no mark on the row:\n%s", v)
	}
}
