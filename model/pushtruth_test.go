package model

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The rules that keep a push's verdict from passing falsely (issue 35):
// nothing expected is never a pass and says why; live once is not live;
// an event is news until the API agrees; a Worker gone is judged gone.

type notFoundErr struct{}

func (notFoundErr) Error() string  { return "not found" }
func (notFoundErr) NotFound() bool { return true }

// truthSource is pushSource with deployments, versions, and reads that fail.
type truthSource struct {
	*pushSource
	deps         map[string][]Deployment // by Worker name; absent: 404
	byVersion    map[string]Build
	triggersDown bool
}

func (s *truthSource) Deployments(_ context.Context, name string) ([]Deployment, error) {
	s.calls["deployments"]++
	ds, ok := s.deps[name]
	if !ok {
		return nil, notFoundErr{}
	}
	return ds, nil
}

func (s *truthSource) BuildsByVersion(_ context.Context, ids []string) (map[string]Build, error) {
	s.calls["versions"]++
	out := map[string]Build{}
	for _, id := range ids {
		if b, ok := s.byVersion[id]; ok {
			out[id] = b
		}
	}
	return out, nil
}

func (s *truthSource) Build(ctx context.Context, uuid string) (Build, error) {
	b, err := s.pushSource.Build(ctx, uuid)
	if err != nil {
		return b, notFoundErr{}
	}
	return b, nil
}

func (s *truthSource) readTriggers(ctx context.Context, w Worker) ([]Trigger, error) {
	if s.triggersDown {
		s.calls["triggers"]++
		return nil, errors.New("HTTP 400")
	}
	return s.pushSource.readTriggers(ctx, w)
}

// TestNothingExpectedIsNeverAPass: each way of expecting no Worker is
// "nothing builds it" with its reason, never succeeded; a replan finds the
// Worker once its triggers can be read.
func TestNothingExpectedIsNeverAPass(t *testing.T) {
	t.Parallel()
	repo := &RepoConnection{ProviderAccountName: "acme", RepoName: "billing-api"}
	mainOnly := Trigger{RepoConnection: repo, BranchIncludes: []string{"main"}}
	const sha = "c0ffee2c0ffee2"
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	old := Build{UUID: "old", WorkerTag: "t-api", Status: StatusStopped, Outcome: OutcomeSuccess, CreatedOn: t0,
		Meta: TriggerMetadata{CommitHash: "beefbeef"}, Trigger: Trigger{RepoConnection: repo}}
	for _, tc := range []struct {
		name         string
		push         Push
		triggersDown bool
		reason       string
	}{
		{"the triggers cannot be read", Push{Repo: "acme/billing-api", Branch: "main", Commit: sha}, true,
			"the triggers of 1 Worker(s) could not be read"},
		{"a mistyped repository", Push{Repo: "acme/biling-api", Branch: "main", Commit: sha}, false,
			"no Worker builds the repository acme/biling-api (did you mean acme/billing-api?)"},
		{"no trigger takes the branch", Push{Repo: "acme/billing-api", Branch: "feature", Commit: sha}, false,
			"no trigger of the 1 Worker(s) connected to acme/billing-api takes the branch feature"},
		{"no repository and no build of the commit", Push{Commit: sha}, false,
			"no build of the commit seen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := &truthSource{pushSource: &pushSource{workers: []Worker{{Name: "api", Tag: "t-api"}},
				triggers: map[string][]Trigger{"t-api": {mainOnly}}, builds: []Build{old}, calls: map[string]int{}},
				triggersDown: tc.triggersDown}
			ctx := context.Background()
			pw, workers, err := PlanPushFrom(ctx, src, src.readTriggers, tc.push)
			if err != nil {
				t.Fatal(err)
			}
			if err := pw.Refresh(ctx, src); err != nil {
				t.Fatal(err)
			}
			if v := pw.Verdict(); v != PushNothing || pw.LiveVerdict(100) != PushNothing {
				t.Fatalf("verdict %q, live %q: want nothing builds it", v, pw.LiveVerdict(100))
			}
			if got := pw.NothingReason(); !strings.Contains(got, tc.reason) {
				t.Fatalf("reason %q, want it to say %q", got, tc.reason)
			}
			// The build starts late, the triggers answer again: the
			// next round finds the Worker.
			src.triggersDown = false
			src.builds = append(src.builds, Build{UUID: "new", WorkerTag: "t-api", Status: StatusRunning, CreatedOn: t0.Add(time.Minute),
				Meta: TriggerMetadata{CommitHash: sha, Branch: tc.push.Branch}, Trigger: Trigger{RepoConnection: repo}})
			if err := pw.Replan(ctx, src, workers); err != nil {
				t.Fatal(err)
			}
			if _, err := pw.Sweep(ctx, src, workers); err != nil {
				t.Fatal(err)
			}
			if v := pw.Verdict(); v != PushRunning || pw.NothingReason() != "" {
				t.Fatalf("after the build started: %q (%q)", v, pw.NothingReason())
			}
		})
	}
}

// TestLiveIsConfirmedBeforeTheVerdict: a Worker seen live is read again
// before the verdict: rolled back is not live; a newer build of the same
// branch serving is superseded (done, named); another branch's build or a
// version from outside Builds is "replaced"; a Worker whose deployments
// answer 404 is gone while the others are judged.
func TestLiveIsConfirmedBeforeTheVerdict(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	const sha = "abc1234abc1234"
	mk := func(uuid, worker, commit, branch string, at int) Build {
		return Build{UUID: uuid, WorkerTag: "t" + worker, Status: StatusStopped, Outcome: OutcomeSuccess,
			CreatedOn: t0.Add(time.Duration(at) * time.Minute), Meta: TriggerMetadata{CommitHash: commit, Branch: branch}}
	}
	dep := func(at int, v string) []Deployment {
		return []Deployment{{CreatedOn: t0.Add(time.Duration(at) * time.Minute), Versions: []VersionSplit{{VersionID: v, Percentage: 100}}}}
	}
	ours := func(w string) Build { return mk("b-"+w, w, sha, "main", 0) }
	older, newer, feature := mk("b-old", "x", "01d0000ffff", "main", -60), mk("b-new", "x", "1a2b3c4ffff", "main", 5), mk("b-feat", "x", "fea7000ffff", "feature", 5)
	for _, tc := range []struct {
		name    string
		now     []Deployment // the Worker's deployments at the last read
		state   LiveState
		detail  string
		verdict PushVerdict
		summary string
	}{
		{"still live", dep(1, "v-ours"), LiveLive, "", PushLive, "1/1 Workers live"},
		{"rolled back", append(dep(9, "v-old"), dep(1, "v-ours")...), LiveUploaded, "rolled back to 01d0000", PushNotLive,
			"0/1 Workers live: api uploaded, rolled back to 01d0000"},
		{"superseded by a newer push of the branch", append(dep(9, "v-new"), dep(1, "v-ours")...), LiveSuperseded, "superseded by 1a2b3c4", PushLive,
			"0/1 Workers live, 1 superseded by 1a2b3c4 (api)"},
		{"replaced by another branch's build", append(dep(9, "v-feat"), dep(1, "v-ours")...), LiveUploaded, "replaced by fea7000 of feature", PushNotLive,
			"0/1 Workers live: api uploaded, replaced by fea7000 of feature"},
		{"replaced from outside Builds", append(dep(9, "v-wrangler"), dep(1, "v-ours")...), LiveUploaded, "replaced by a version deployed outside Builds", PushNotLive,
			"0/1 Workers live: api uploaded, replaced by a version deployed outside Builds"},
		{"never deployed", dep(-60, "v-old"), LiveUploaded, "not deployed", PushNotLive, "0/1 Workers live: api uploaded, not deployed"},
		{"replaced by a build of unknown age", append(dep(9, "v-bare"), dep(1, "v-ours")...), LiveUploaded, "replaced by build b-bare", PushNotLive,
			"0/1 Workers live: api uploaded, replaced by build b-bare"},
		{"deleted", nil, LiveGone, "deleted", PushNotLive, "0/1 Workers live: api gone (deleted)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := Worker{Name: "api", Tag: "tapi"}
			src := &truthSource{pushSource: &pushSource{calls: map[string]int{}}, deps: map[string][]Deployment{"api": dep(1, "v-ours")},
				byVersion: map[string]Build{"v-ours": ours("api"), "v-old": older, "v-new": newer, "v-feat": feature, "v-bare": {UUID: "b-bare"}}}
			pw := NewPushWatch(Push{Commit: sha}, PushPlan{Expected: []Worker{api}})
			pw.Observe(api, ours("api"))
			ctx := context.Background()
			if err := pw.RefreshLive(ctx, src, 100); err != nil || pw.LiveVerdict(100) != PushLive {
				t.Fatalf("first read: %v %q", err, pw.LiveVerdict(100))
			}
			// The deployments move on; a refresh does not read a live
			// Worker again, the confirmation before the verdict does.
			if tc.now == nil {
				delete(src.deps, "api")
			} else {
				src.deps["api"] = tc.now
			}
			if err := pw.RefreshLive(ctx, src, 100); err != nil || src.calls["deployments"] != 1 {
				t.Fatalf("a live Worker was read again by a refresh: %v %v", err, src.calls)
			}
			v, err := pw.ConfirmLive(ctx, src, 100)
			if err != nil {
				t.Fatal(err)
			}
			wl := pw.LiveStates(100)[0]
			if v != tc.verdict || wl.State != tc.state || wl.Detail != tc.detail {
				t.Fatalf("verdict %q state %q %q, want %q %q %q", v, wl.State, wl.Detail, tc.verdict, tc.state, tc.detail)
			}
			if got := pw.LiveSummary(100, 0); got != tc.summary {
				t.Fatalf("summary %q, want %q", got, tc.summary)
			}
		})
	}
}

// TestGoneWorkerLeavesTheOthersJudged: one Worker's deployments answer
// 404 mid-watch; the other is still read and judged, and the verdict is
// settled (waiting cannot change it).
func TestGoneWorkerLeavesTheOthersJudged(t *testing.T) {
	t.Parallel()
	const sha = "abc1234abc1234"
	a, g := Worker{Name: "a", Tag: "ta"}, Worker{Name: "g", Tag: "tg"}
	src := &truthSource{pushSource: &pushSource{calls: map[string]int{}},
		deps:      map[string][]Deployment{"a": {{Versions: []VersionSplit{{VersionID: "va", Percentage: 100}}}}},
		byVersion: map[string]Build{"va": {UUID: "ba"}}}
	pw := NewPushWatch(Push{Commit: sha}, PushPlan{Expected: []Worker{a, g}})
	pw.Observe(a, Build{UUID: "ba", Status: StatusStopped, Outcome: OutcomeSuccess, Meta: TriggerMetadata{CommitHash: sha}})
	pw.Observe(g, Build{UUID: "bg", Status: StatusStopped, Outcome: OutcomeSuccess, Meta: TriggerMetadata{CommitHash: sha}})
	if err := pw.RefreshLive(context.Background(), src, 100); err != nil {
		t.Fatalf("a 404 aborted the read: %v", err)
	}
	st := pw.LiveStates(100)
	if st[0].State != LiveLive || st[1].State != LiveGone || pw.LiveVerdict(100) != PushNotLive || !pw.LiveSettled(100) {
		t.Fatalf("states %v %v, verdict %q settled %v", st[0].State, st[1].State, pw.LiveVerdict(100), pw.LiveSettled(100))
	}
}

// TestAnEventIsConfirmedByTheAPI: a forged success that the API calls a
// failure fails the push and is said once; an event of a build the API
// does not know is dropped, and the Worker it alone made expected with it.
func TestAnEventIsConfirmedByTheAPI(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	const sha = "abc1234abc1234"
	ws := []Worker{{Name: "a", Tag: "ta"}, {Name: "ghost", Tag: "tghost"}}
	ev := func(typ, worker, uuid string, st Status, oc Outcome) BuildEvent {
		return BuildEvent{Type: "cf.workersBuilds.worker.build." + typ, WorkerName: worker,
			Build: Build{UUID: uuid, WorkerName: worker, Status: st, Outcome: oc, CreatedOn: t0, Meta: TriggerMetadata{CommitHash: sha}}}
	}
	src := &truthSource{pushSource: &pushSource{calls: map[string]int{}, builds: []Build{
		{UUID: "u-a", WorkerTag: "ta", Status: StatusStopped, Outcome: OutcomeFail, CreatedOn: t0, Meta: TriggerMetadata{CommitHash: sha}},
	}}}
	pw := NewPushWatch(Push{Commit: sha}, PushPlan{Expected: ws[:1]})
	pw.ObserveEvents([]BuildEvent{
		ev("started", "a", "u-a", StatusRunning, ""), ev("succeeded", "a", "u-a", StatusStopped, OutcomeSuccess),
		ev("succeeded", "ghost", "u-ghost", StatusStopped, OutcomeSuccess),
	}, ws)
	if v := pw.Verdict(); v != PushRunning || len(pw.Plan.Expected) != 2 {
		t.Fatalf("before the API agreed: %q, expected %v", v, pw.Plan.Expected)
	}
	if err := pw.Refresh(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if v := pw.Verdict(); v != PushFailed || len(pw.Plan.Expected) != 1 {
		t.Fatalf("after the API answered: %q, expected %v", v, pw.Plan.Expected)
	}
	notes := pw.NewNotes()
	if len(notes) != 2 || !strings.Contains(notes[0]+notes[1], "the API says failed") || !strings.Contains(notes[0]+notes[1], "does not know") {
		t.Fatalf("notes %q", notes)
	}
	if len(pw.NewNotes()) != 0 {
		t.Fatal("notes said twice")
	}
}
