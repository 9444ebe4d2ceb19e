package tui

import (
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// The page counter of a long read estimates the time left from how much
// of the build's running time the lines read so far cover.
func TestReadLeftEstimate(t *testing.T) {
	h := newHarness(t, quiet(), Options{})
	t0 := tuitest.T0
	stop := t0.Add(100 * time.Second)
	h.m.selUUID = "long"
	h.m.builds["long"] = model.Build{UUID: "long", Status: model.StatusStopped, CreatedOn: t0, StoppedOn: &stop}
	var lines []model.LogLine
	for i := 0; i <= 25; i++ {
		lines = append(lines, model.LogLine{Time: t0.Add(time.Duration(i) * time.Second), Text: "x"})
	}
	h.m.log.Reset("long", t0)
	h.m.log.Append(lines) // a quarter of the build's time
	h.m.readStart, h.m.now = t0, t0.Add(10*time.Second)
	if left, ok := h.m.readLeft(); !ok || left != 30*time.Second {
		t.Fatalf("left %v %v, want 30s (10s for a quarter)", left, ok)
	}
	h.m.now = t0.Add(time.Second)
	if _, ok := h.m.readLeft(); ok {
		t.Fatal("an estimate after one second of reading")
	}
}
