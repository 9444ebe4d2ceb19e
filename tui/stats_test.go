package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// fixedStats answers the stats view with figures made here.
type fixedStats struct{}

func (fixedStats) ReadStats(context.Context, time.Time) ([]model.Stats, model.Minutes, error) {
	var recent []model.BuildPoint
	for i := range 30 {
		o := model.OutcomeSuccess
		if i%9 == 0 {
			o = model.OutcomeFail
		}
		recent = append(recent, model.BuildPoint{At: t0.Add(time.Duration(i) * time.Hour), Duration: time.Duration(30+i%7*10) * time.Second, Outcome: o})
	}
	st := []model.Stats{{Key: "api-gateway", Builds: 30, Succeeded: 26, Failed: 4, Recent: recent,
		Total: model.Percentiles{P50: 44 * time.Second, P95: 63 * time.Second}, Queue: model.Percentiles{P50: 3 * time.Second}, Flaky: []string{"c0ffee"}}}
	return st, model.Minutes{Used: 412, Included: 3000, Forecast: 1180}, nil
}

// TestStatsView (#32): S opens the stats view with each Worker's chart,
// percentiles and failure rate, and the build-minutes gauge with its
// forecast; at 80x24 and in ASCII it still draws; esc closes it; without a
// history S says why.
func TestStatsView(t *testing.T) {
	t.Parallel()
	for _, ascii := range []bool{false, true} {
		h := newHarness(t, quiet(), Options{Stats: fixedStats{}, ASCII: ascii})
		h.size(80, 24)
		h.advance(time.Second)
		h.keys("S")
		v := h.view()
		for _, want := range []string{"Stats", "build minutes 412 of 3000", "forecast 1180", "api-gateway", "13%", "44s", "1m03s", "1 flaky commit"} {
			if !strings.Contains(v, want) {
				t.Fatalf("ascii %v: the view lacks %q:\n%s", ascii, want, v)
			}
		}
		if ascii && strings.ContainsAny(v, "▁▂▃▄▅▆▇█") || !ascii && !strings.ContainsAny(v, "▁▂▃▄▅▆▇█") {
			t.Fatalf("ascii %v: the chart's glyphs:\n%s", ascii, v)
		}
		tuitest.CheckFrame(t, v, 80, 24)
		h.keys("esc")
		if strings.Contains(h.view(), "build minutes") {
			t.Fatal("esc did not close the view")
		}
	}
	h := newHarness(t, quiet(), Options{})
	h.size(80, 24)
	h.keys("S")
	if !strings.Contains(h.m.flash, "no build history") {
		t.Fatalf("without a history: %q", h.m.flash)
	}
}
