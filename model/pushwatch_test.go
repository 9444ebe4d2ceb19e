package model

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

// pushSource is an account in memory for the push watch: Workers, their
// triggers, and every build (the latest of a Worker is its newest).
type pushSource struct {
	Source
	workers  []Worker
	triggers map[string][]Trigger
	builds   []Build
	calls    map[string]int
}

func (s *pushSource) Workers(context.Context) ([]Worker, error) {
	s.calls["workers"]++
	return s.workers, nil
}

func (s *pushSource) LatestBuilds(_ context.Context, tags []string) (map[string]Build, error) {
	s.calls["latest"]++
	out := map[string]Build{}
	for _, tag := range tags {
		for _, b := range s.builds {
			if b.WorkerTag == tag && (out[tag].UUID == "" || b.CreatedOn.After(out[tag].CreatedOn)) {
				out[tag] = b
			}
		}
	}
	return out, nil
}

func (s *pushSource) WorkerHistory(_ context.Context, w Worker, limit int) ([]Build, error) {
	s.calls["history"]++
	var out []Build
	for _, b := range s.builds {
		if b.WorkerTag == w.Tag {
			out = append(out, b)
		}
	}
	SortNewestFirst(out)
	return out[:min(limit, len(out))], nil
}

func (s *pushSource) Build(_ context.Context, uuid string) (Build, error) {
	s.calls["build"]++
	for _, b := range s.builds {
		if b.UUID == uuid {
			return b, nil
		}
	}
	return Build{}, errors.New("not found")
}

func (s *pushSource) readTriggers(_ context.Context, w Worker) ([]Trigger, error) {
	s.calls["triggers"]++
	return s.triggers[w.Tag], nil
}

// TestPushWatch: which Workers a push expects, found where the latest build
// moved on, never built, or not expected at all; and its verdict.
func TestPushWatch(t *testing.T) {
	t.Parallel()
	repo := &RepoConnection{ProviderAccountName: "acme", RepoName: "mono"}
	other := &RepoConnection{ProviderAccountName: "acme", RepoName: "site"}
	base := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	wk := func(name string) Worker { return Worker{Name: name, Tag: "tag-" + name} }
	build := func(uuid, worker, commit string, min int, outcome Outcome, rc *RepoConnection) Build {
		b := Build{UUID: uuid, WorkerTag: "tag-" + worker, CreatedOn: base.Add(time.Duration(min) * time.Minute),
			Meta: TriggerMetadata{CommitHash: commit}, Trigger: Trigger{RepoConnection: rc}, Status: StatusRunning}
		if outcome != "" {
			b.Status, b.Outcome = StatusStopped, outcome
		}
		return b
	}
	mainOnly := Trigger{RepoConnection: repo, BranchIncludes: []string{"main"}}
	anyBranch := Trigger{RepoConnection: repo}
	const sha = "c0ffee1234567890"
	for _, tc := range []struct {
		name     string
		push     Push
		workers  []string
		triggers map[string][]Trigger
		builds   []Build
		expected []string
		verdict  PushVerdict
	}{
		{"a Worker never built is expected by its trigger, and its failure fails the push",
			Push{Repo: "acme/mono", Branch: "main", Commit: sha}, []string{"a", "b", "new"},
			map[string][]Trigger{"tag-a": {mainOnly}, "tag-b": {mainOnly}, "tag-new": {mainOnly}},
			[]Build{build("a1", "a", sha, 1, OutcomeSuccess, repo), build("b1", "b", sha, 1, OutcomeSuccess, repo), build("n1", "new", sha, 2, OutcomeFail, repo)},
			[]string{"a", "b", "new"}, PushFailed},
		{"a newer push hides the commit's failed build: history finds it",
			Push{Repo: "acme/mono", Branch: "main", Commit: sha}, []string{"a"},
			map[string][]Trigger{"tag-a": {mainOnly}},
			[]Build{build("a1", "a", sha, 1, OutcomeFail, repo), build("a2", "a", "beef", 5, OutcomeSuccess, repo)},
			[]string{"a"}, PushFailed},
		{"a branch no trigger takes, but a build of the commit runs: it is followed",
			Push{Repo: "acme/mono", Branch: "feature", Commit: sha}, []string{"a"},
			map[string][]Trigger{"tag-a": {mainOnly}},
			[]Build{build("a1", "a", sha, 1, "", repo)},
			[]string{"a"}, PushRunning},
		{"nothing connected, nothing built",
			Push{Repo: "acme/mono", Branch: "main", Commit: sha}, []string{"s"},
			map[string][]Trigger{"tag-s": {{RepoConnection: other}}},
			[]Build{build("s1", "s", "beef", 1, OutcomeSuccess, other)},
			nil, PushNothing},
		{"no repository named: the commit's builds say which, other repositories are not expected",
			Push{Commit: sha}, []string{"a", "b", "s"},
			map[string][]Trigger{"tag-a": {anyBranch}, "tag-b": {anyBranch}, "tag-s": {{RepoConnection: other}}},
			[]Build{build("a1", "a", sha, 1, OutcomeSuccess, repo), build("b0", "b", "beef", 0, OutcomeSuccess, repo), build("s1", "s", "d00d", 1, OutcomeSuccess, other)},
			[]string{"a", "b"}, PushRunning},
		{"every build succeeded", Push{Repo: "acme/mono", Commit: sha}, []string{"a", "b"},
			map[string][]Trigger{"tag-a": {anyBranch}, "tag-b": {anyBranch}},
			[]Build{build("a1", "a", sha, 1, OutcomeSuccess, repo), build("b1", "b", sha[:7], 1, OutcomeSkipped, repo)},
			[]string{"a", "b"}, PushSucceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := &pushSource{triggers: tc.triggers, builds: tc.builds, calls: map[string]int{}}
			for _, n := range tc.workers {
				src.workers = append(src.workers, wk(n))
			}
			ctx := context.Background()
			pw, workers, err := PlanPushFrom(ctx, src, src.readTriggers, tc.push)
			if err != nil {
				t.Fatal(err)
			}
			if err := pw.Refresh(ctx, src); err != nil {
				t.Fatal(err)
			}
			if pw.Verdict() != PushRunning {
				if _, err := pw.Sweep(ctx, src, workers); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			for _, w := range pw.Plan.Expected {
				got = append(got, w.Name)
			}
			if !reflect.DeepEqual(got, tc.expected) || pw.Verdict() != tc.verdict {
				t.Fatalf("expected %v verdict %q, want %v %q", got, pw.Verdict(), tc.expected, tc.verdict)
			}
			if src.calls["triggers"] > len(tc.workers) {
				t.Fatalf("%d trigger reads for %d Workers", src.calls["triggers"], len(tc.workers))
			}
		})
	}
}

// TestPushWatchObserve: duplicates and older builds of the commit change
// nothing; a build of another commit is not the push's; a sweep adds a
// Worker the plan left out by its path filters.
func TestPushWatchObserve(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	a := Worker{Name: "a", Tag: "ta"}
	pw := NewPushWatch(Push{Commit: "abc1234"}, PushPlan{Skipped: []string{"a"}})
	if pw.Observe(a, Build{UUID: "x", Meta: TriggerMetadata{CommitHash: "fff0000"}}) || pw.Verdict() != PushNothing {
		t.Fatal("another commit's build counted")
	}
	newer := Build{UUID: "n", CreatedOn: base.Add(time.Minute), Meta: TriggerMetadata{CommitHash: "abc1234ffff"}, Status: StatusRunning}
	older := Build{UUID: "o", CreatedOn: base, Meta: TriggerMetadata{CommitHash: "abc1234ffff"}, Status: StatusStopped, Outcome: OutcomeFail}
	pw.Observe(a, newer)
	pw.Observe(a, older)
	pw.Observe(a, newer)
	if b, _ := pw.BuildOf("ta"); b.UUID != "n" || len(pw.Plan.Expected) != 1 || len(pw.Plan.Skipped) != 0 || pw.Verdict() != PushRunning {
		t.Fatalf("followed %q, expected %v skipped %v, verdict %q", b.UUID, pw.Plan.Expected, pw.Plan.Skipped, pw.Verdict())
	}
	if got := pw.Summary(); got != "expected 1 · started 1" {
		t.Fatalf("summary %q", got)
	}
}

// TestPushWatchObserveEvents: an event of the commit's build on a Worker
// found by name is followed; a later event moves it on; another commit's
// event and an unknown Worker's change nothing.
func TestPushWatchObserveEvents(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ws := []Worker{{Name: "a", Tag: "ta"}, {Name: "b", Tag: "tb"}}
	pw := NewPushWatch(Push{Commit: "abc1234"}, PushPlan{Expected: ws[:1]})
	ev := func(typ, worker, commit string, st Status, oc Outcome) BuildEvent {
		return BuildEvent{Type: "cf.workersBuilds.worker.build." + typ, WorkerName: worker,
			Build: Build{UUID: "u-" + worker, WorkerName: worker, Status: st, Outcome: oc, CreatedOn: t0, Meta: TriggerMetadata{CommitHash: commit}}}
	}
	if pw.ObserveEvents([]BuildEvent{ev("started", "a", "fff0000", StatusRunning, ""), ev("started", "zz", "abc1234", StatusRunning, "")}, ws) {
		t.Fatal("another commit's event, or an unknown Worker's, changed the push")
	}
	pw.ObserveEvents([]BuildEvent{ev("started", "a", "abc1234", StatusRunning, ""), ev("started", "b", "abc1234ff", StatusRunning, "")}, ws)
	if pw.Verdict() != PushRunning || len(pw.Plan.Expected) != 2 {
		t.Fatalf("started: %q, expected %v", pw.Verdict(), pw.Plan.Expected)
	}
	pw.ObserveEvents([]BuildEvent{ev("failed", "b", "abc1234ff", StatusStopped, OutcomeFail), ev("succeeded", "a", "abc1234", StatusStopped, OutcomeSuccess)}, ws)
	if pw.Verdict() != PushRunning {
		t.Fatalf("events alone gave a verdict: %q (%+v)", pw.Verdict(), pw.Tally())
	}
	// One GET of each build confirms what the events said.
	src := &pushSource{calls: map[string]int{}, builds: []Build{
		{UUID: "u-a", WorkerTag: "ta", Status: StatusStopped, Outcome: OutcomeSuccess, CreatedOn: t0, Meta: TriggerMetadata{CommitHash: "abc1234"}},
		{UUID: "u-b", WorkerTag: "tb", Status: StatusStopped, Outcome: OutcomeFail, CreatedOn: t0, Meta: TriggerMetadata{CommitHash: "abc1234ff"}},
	}}
	if err := pw.Refresh(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if pw.Verdict() != PushFailed || src.calls["build"] != 2 || len(pw.Notes) != 0 {
		t.Fatalf("ended: %q (%+v), %d reads, notes %q", pw.Verdict(), pw.Tally(), src.calls["build"], pw.Notes)
	}
}
