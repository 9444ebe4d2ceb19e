package tui

import (
	"strings"
	"testing"
	"time"
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
