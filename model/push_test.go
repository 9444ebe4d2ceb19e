package model

import (
	"fmt"
	"reflect"
	"testing"
)

func TestPlanPush(t *testing.T) {
	t.Parallel()
	repo := &RepoConnection{ProviderAccountName: "acme", RepoName: "app"}
	other := &RepoConnection{ProviderAccountName: "acme", RepoName: "site"}
	trig := func(rc *RepoConnection, mod func(*Trigger)) Trigger {
		tr := Trigger{RepoConnection: rc}
		if mod != nil {
			mod(&tr)
		}
		return tr
	}
	w := func(name string, trs ...Trigger) WorkerTriggers {
		return WorkerTriggers{Worker: Worker{Name: name, Tag: "tag-" + name}, Triggers: trs}
	}
	mainOnly := func(tr *Trigger) { tr.BranchIncludes = []string{"main"} }
	docsOnly := func(tr *Trigger) { tr.PathIncludes = []string{"docs/*"} }
	many := make([]string, MaxPathFilterFiles)
	for i := range many {
		many[i] = fmt.Sprintf("src/f%d.go", i)
	}
	for _, tc := range []struct {
		name          string
		push          Push
		workers       []WorkerTriggers
		want, skipped []string
	}{
		{"connected builds, others not", Push{Repo: "acme/app", Branch: "main"},
			[]WorkerTriggers{w("b", trig(repo, nil)), w("a", trig(repo, nil)), w("c", trig(other, nil))}, []string{"a", "b"}, nil},
		{"repository names ignore case", Push{Repo: "ACME/App"}, []WorkerTriggers{w("a", trig(repo, nil))}, []string{"a"}, nil},
		{"branch filter leaves a Worker out", Push{Repo: "acme/app", Branch: "feature/x"},
			[]WorkerTriggers{w("a", trig(repo, mainOnly)), w("b", trig(repo, nil))}, []string{"b"}, nil},
		{"no branch given: every branch filter passes", Push{Repo: "acme/app"},
			[]WorkerTriggers{w("a", trig(repo, mainOnly))}, []string{"a"}, nil},
		{"path filter skips", Push{Repo: "acme/app", Files: []string{"src/x.go"}},
			[]WorkerTriggers{w("a", trig(repo, docsOnly)), w("b", trig(repo, nil))}, []string{"b"}, []string{"a"}},
		{"another trigger of the Worker takes it", Push{Repo: "acme/app", Files: []string{"src/x.go"}},
			[]WorkerTriggers{w("a", trig(repo, docsOnly), trig(repo, nil))}, []string{"a"}, nil},
		{"path filters off past the many-files limit", Push{Repo: "acme/app", Files: many},
			[]WorkerTriggers{w("a", trig(repo, docsOnly))}, []string{"a"}, nil},
		{"a Worker listed twice counts once", Push{Repo: "acme/app"},
			[]WorkerTriggers{w("a", trig(repo, nil)), w("a", trig(repo, nil))}, []string{"a"}, nil},
	} {
		plan := PlanPush(tc.push, tc.workers)
		var got []string
		for _, wk := range plan.Expected {
			got = append(got, wk.Name)
		}
		if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(plan.Skipped, tc.skipped) {
			t.Errorf("%s: expected %v skipped %v, want %v and %v", tc.name, got, plan.Skipped, tc.want, tc.skipped)
		}
	}
}

func TestPushBuilds(t *testing.T) {
	t.Parallel()
	full := "c0ffee1234567890c0ffee1234567890c0ffee12"
	for _, tc := range []struct {
		commit, hash string
		want         bool
	}{
		{full, full, true},
		{"c0ffee1", full, true},
		{full, "c0ffee1", true},
		{"deadbee", full, false},
		{full, "", false},
		{"", full, false},
	} {
		b := Build{Meta: TriggerMetadata{CommitHash: tc.hash}}
		if got := (Push{Commit: tc.commit}).Builds(b); got != tc.want {
			t.Errorf("commit %q, build %q: %v, want %v", tc.commit, tc.hash, got, tc.want)
		}
	}
}

func TestPushTallySummary(t *testing.T) {
	t.Parallel()
	got := PushTally{Expected: 3, Started: 2}.Summary([]string{"docs", "site"})
	want := "expected 3 · started 2 · 2 not matched by its path filter (docs, site)"
	if got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}
