package model

import (
	"context"
	"strings"
	"testing"
	"time"
)

// liveSource is deployments and versions for RefreshLive.
type liveSource struct {
	Source
	deps      map[string][]Deployment // by Worker name
	byVersion map[string]Build
	calls     map[string]int
}

func (s *liveSource) Deployments(_ context.Context, name string) ([]Deployment, error) {
	s.calls["deployments"]++
	return s.deps[name], nil
}

func (s *liveSource) BuildsByVersion(_ context.Context, ids []string) (map[string]Build, error) {
	s.calls["versions"]++
	out := map[string]Build{}
	for _, id := range ids {
		if b, ok := s.byVersion[id]; ok {
			out[id] = b
		}
	}
	return out, nil
}

// TestLiveVerdict: each Worker's state (live, gradual, uploaded, rolled
// back, building, failed, skipped) and the push's verdict and summary.
func TestLiveVerdict(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	const sha = "abc1234abc1234"
	w := func(n string) Worker { return Worker{Name: n, Tag: "t" + n} }
	done := func(uuid, worker string, o Outcome) Build {
		return Build{UUID: uuid, WorkerTag: "t" + worker, Status: StatusStopped, Outcome: o, CreatedOn: t0, Meta: TriggerMetadata{CommitHash: sha}}
	}
	dep := func(at int, vs ...VersionSplit) Deployment {
		return Deployment{CreatedOn: t0.Add(time.Duration(at) * time.Minute), Versions: vs}
	}
	src := &liveSource{calls: map[string]int{}, byVersion: map[string]Build{
		"v-api": {UUID: "b-api"}, "v-edge": {UUID: "b-edge"}, "v-old": {UUID: "b-old", CreatedOn: t0.Add(-time.Hour), Meta: TriggerMetadata{CommitHash: "01d01d0ffff"}}, "v-docs": {UUID: "b-docs"}, "v-roll": {UUID: "b-roll"},
	}, deps: map[string][]Deployment{
		"api":  {dep(2, VersionSplit{VersionID: "v-api", Percentage: 100})},
		"edge": {dep(2, VersionSplit{VersionID: "v-edge", Percentage: 50}, VersionSplit{VersionID: "v-old", Percentage: 50})},
		"docs": {dep(1, VersionSplit{VersionID: "v-old", Percentage: 100})},
		"roll": {dep(3, VersionSplit{VersionID: "v-old", Percentage: 100}), dep(2, VersionSplit{VersionID: "v-roll", Percentage: 100})},
	}}
	ws := []Worker{w("api"), w("docs"), w("edge"), w("roll")}
	pw := NewPushWatch(Push{Commit: sha}, PushPlan{Expected: ws, Skipped: []string{"site"}})
	for _, b := range []Build{done("b-api", "api", OutcomeSuccess), done("b-edge", "edge", OutcomeSuccess), done("b-docs", "docs", OutcomeSuccess), done("b-roll", "roll", OutcomeSuccess)} {
		pw.Observe(Worker{Name: strings.TrimPrefix(b.WorkerTag, "t"), Tag: b.WorkerTag}, b)
	}
	if err := pw.RefreshLive(context.Background(), src, 100); err != nil {
		t.Fatal(err)
	}
	want := map[string]LiveState{"api": LiveLive, "docs": LiveUploaded, "edge": LiveGradual, "roll": LiveUploaded, "site": LiveSkipped}
	for _, wl := range pw.LiveStates(100) {
		if wl.State != want[wl.Worker.Name] {
			t.Errorf("%s: %s (%s), want %s", wl.Worker.Name, wl.State, wl.Detail, want[wl.Worker.Name])
		}
	}
	if v := pw.LiveVerdict(100); v != PushNotLive {
		t.Fatalf("verdict %q", v)
	}
	got := pw.LiveSummary(100, 140)
	if got != "1/4 Workers live: docs uploaded, not deployed; edge 50%; roll uploaded, rolled back to 01d01d0" {
		t.Fatalf("summary %q", got)
	}
	if len(pw.LiveSummary(100, 30)) > 30 {
		t.Fatal("a summary longer than asked")
	}
	if src.calls["deployments"] != 4 || src.calls["versions"] != 1 {
		t.Fatalf("calls %v: want a deployments read per Worker and one versions call for all", src.calls)
	}
	// At 50%, edge is live; a second refresh reads only those not live.
	if pw.LiveStates(50)[2].State != LiveLive {
		t.Fatal("edge at 50% is not live at --live-percent 50")
	}
	_ = pw.RefreshLive(context.Background(), src, 100)
	if src.calls["deployments"] != 7 {
		t.Fatalf("the live Worker was read again: %v", src.calls)
	}
	// A failed build fails the push; one building keeps it running.
	pw.Observe(w("docs"), Build{UUID: "b-docs2", WorkerTag: "tdocs", Status: StatusStopped, Outcome: OutcomeFail, CreatedOn: t0.Add(time.Hour), Meta: TriggerMetadata{CommitHash: sha}})
	if v := pw.LiveVerdict(100); v != PushFailed {
		t.Fatalf("with a failure: %q", v)
	}
	if f, ok := pw.FirstFailure(100); !ok || f.Worker.Name != "docs" {
		t.Fatalf("first failure %+v", f)
	}
}
