package model

import (
	"testing"
	"time"
)

func TestLivenessOf(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	builds := map[string]string{"v1": "b1", "v2": "b2", "v3": "b3"} // v9: from a laptop
	buildOf := func(v string) string { return builds[v] }
	dep := func(m int, vs ...VersionSplit) Deployment { return Deployment{CreatedOn: at(m), Versions: vs} }
	full := func(v string) VersionSplit { return VersionSplit{VersionID: v, Percentage: 100} }
	// Newest first.
	history := []Deployment{
		dep(50, VersionSplit{"v3", 10}, VersionSplit{"v2", 90}), // gradual rollout of b3
		dep(40, full("v2")),
		dep(30, full("v9")), // wrangler deploy from a laptop
		dep(20, full("v1")),
		dep(10, full("v1")),
	}
	tests := []struct {
		build string
		want  Liveness
	}{
		{"b3", Liveness{Percentage: 10, Since: at(50), Deployed: true}},
		{"b2", Liveness{Percentage: 90, Since: at(50), Deployed: true}},
		{"b1", Liveness{Deployed: true, Since: at(10), SupersededAt: at(30), SupersededBy: "v9"}},
		{"b4", Liveness{}},
	}
	for _, tt := range tests {
		if got := LivenessOf(tt.build, history, buildOf); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.build, got, tt.want)
		}
	}
	// A rollback: b1's version back at 100%.
	rolled := append([]Deployment{dep(60, full("v1"))}, history...)
	if got := LivenessOf("b1", rolled, buildOf); got.Percentage != 100 || !got.Since.Equal(at(60)) {
		t.Errorf("rollback: %+v", got)
	}
	if got := LivenessOf("b2", rolled, buildOf); got.SupersededBy != "b1" || !got.SupersededAt.Equal(at(60)) {
		t.Errorf("superseded by the rollback: %+v", got)
	}
	clock := func(t time.Time) string { return t.Format("15:04") }
	name := func(s string) string { return s }
	for l, want := range map[Liveness]string{
		{Percentage: 100, Since: at(1), Deployed: true}:                         "serving 100% since 10:01",
		{Percentage: 10, Since: at(2), Deployed: true}:                          "serving 10% (gradual) since 10:02",
		{Deployed: true, SupersededBy: "b9", SupersededAt: at(3), Since: at(1)}: "superseded by b9 at 10:03",
		{}: "never deployed",
	} {
		if got := l.Describe(clock, name); got != want {
			t.Errorf("%+v: %q, want %q", l, got, want)
		}
	}
}
