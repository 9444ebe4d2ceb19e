package model

import (
	"fmt"
	"sort"
	"strings"
)

// Push is one push to a repository: the commit, its branch (may be empty:
// any), and the files it changed (may be empty: not known).
type Push struct {
	Repo   string // owner/name, as the repository connection names it
	Branch string
	Commit string
	Files  []string
}

// MaxPathFilterFiles is where Cloudflare stops applying path filters: a
// push that changed this many files (or an unknown number) builds whatever
// its paths.
const MaxPathFilterFiles = 3000

// Connected reports whether a trigger builds from the push's repository.
func (p Push) Connected(t Trigger) bool {
	rc := t.RepoConnection
	return rc != nil && strings.EqualFold(rc.ProviderAccountName+"/"+rc.RepoName, p.Repo)
}

// Builds reports whether a build is of the push's commit: either hash may
// be the other's prefix (a short SHA on the command line, a full one from
// the API, or the other way round).
func (p Push) Builds(b Build) bool {
	h := b.Meta.CommitHash
	return h != "" && p.Commit != "" && (strings.HasPrefix(h, p.Commit) || strings.HasPrefix(p.Commit, h))
}

// Takes reports whether one trigger builds the push, and when not, whether
// only its path filter left the push out.
func (p Push) Takes(t Trigger) (takes, pathSkipped bool) {
	if !p.Connected(t) {
		return false, false
	}
	if p.Branch != "" && !BranchMatches(t, p.Branch) {
		return false, false
	}
	if len(p.Files) > 0 && len(p.Files) < MaxPathFilterFiles && !PathsMatch(t, p.Files) {
		return false, true
	}
	return true, false
}

// WorkerTriggers is a Worker with its build triggers.
type WorkerTriggers struct {
	Worker   Worker
	Triggers []Trigger
}

// PushPlan is which Workers build a push.
type PushPlan struct {
	Expected []Worker // sorted by name
	// Skipped names the Workers connected to the repository whose path
	// filters left the push out on every trigger that took its branch.
	Skipped []string // sorted
}

// PlanPush works out which Workers build a push from their triggers. A
// Worker builds when any of its triggers takes the push; it is skipped by
// its path filters only when no trigger takes it.
func PlanPush(p Push, workers []WorkerTriggers) PushPlan {
	var plan PushPlan
	seen := map[string]bool{}
	for _, wt := range workers {
		if seen[wt.Worker.Tag] {
			continue
		}
		takes, skipped := false, false
		for _, t := range wt.Triggers {
			tk, sk := p.Takes(t)
			takes, skipped = takes || tk, skipped || sk
		}
		switch {
		case takes:
			seen[wt.Worker.Tag] = true
			plan.Expected = append(plan.Expected, wt.Worker)
		case skipped:
			seen[wt.Worker.Tag] = true
			plan.Skipped = append(plan.Skipped, wt.Worker.Name)
		}
	}
	sort.Slice(plan.Expected, func(i, j int) bool { return plan.Expected[i].Name < plan.Expected[j].Name })
	sort.Strings(plan.Skipped)
	return plan
}

// PushTally counts a push's builds as they go.
type PushTally struct {
	Expected, Started, Done, Failed int
}

// Summary is the push's one-line verdict: expected, started, and the
// Workers whose path filters left it out.
func (t PushTally) Summary(skipped []string) string {
	s := fmt.Sprintf("expected %d · started %d", t.Expected, t.Started)
	if len(skipped) > 0 {
		s += fmt.Sprintf(" · %d not matched by its path filter (%s)", len(skipped), strings.Join(skipped, ", "))
	}
	return s
}
