package model

// Planning a push: which Workers should build it, from their triggers
// (read through a TriggerReader, a few at a time for Workers that never
// built), and why nothing is expected when nothing is.

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// PlanPushFrom reads which Workers should build the push: the account's
// Workers and their latest builds (a call per 20 Workers), then the
// triggers of the candidates (PushCandidates) through triggers. Builds of
// the commit among the latest are observed at once. A push that names no
// repository takes it from those builds (and Replan plans again once a
// build of the commit names one).
func PlanPushFrom(ctx context.Context, src Source, triggers TriggerReader, p Push) (*PushWatch, []Worker, error) {
	workers, err := src.Workers(ctx)
	if err != nil {
		return nil, nil, err
	}
	latest, err := src.LatestBuilds(ctx, tagsOf(workers))
	if err != nil {
		return nil, nil, err
	}
	pw := NewPushWatch(p, PushPlan{})
	pw.triggers = triggers
	if err := pw.plan(ctx, workers, latest); err != nil {
		return nil, nil, err
	}
	return pw, workers, nil
}

// plan reads the candidates' triggers and works out the expected Workers,
// keeping what it saw for NothingReason; the builds of the commit among
// latest are observed.
func (pw *PushWatch) plan(ctx context.Context, workers []Worker, latest map[string]Build) error {
	if pw.Push.Repo == "" {
		pw.Push.Repo = RepoOfCommit(pw.Push, latest)
	}
	for _, b := range latest {
		if rc := b.Trigger.RepoConnection; rc != nil && rc.RepoName != "" {
			pw.repos[rc.ProviderAccountName+"/"+rc.RepoName] = true
		}
	}
	pw.unread, pw.connected, pw.read, pw.pending = nil, 0, nil, nil
	if pw.Push.Repo != "" && pw.triggers != nil {
		// The Workers whose latest build shows the repository are read
		// now (few); those that never built, or built unconnected, are
		// read a few at a time (ReadPending): on an account of 2,000
		// mostly unbuilt Workers they would hold the watch for minutes.
		var now []Worker
		for _, w := range PushCandidates(pw.Push, workers, latest) {
			if b, ok := latest[w.Tag]; ok && b.Trigger.RepoConnection != nil {
				now = append(now, w)
			} else {
				pw.pending = append(pw.pending, w)
			}
		}
		if err := pw.readTriggers(ctx, now); err != nil {
			return err
		}
		// A few at the caller's priority (a person waits for the plan),
		// the rest at the Sweep's, round by round.
		if _, err := pw.readPending(ctx, planInline); err != nil {
			return err
		}
	}
	pw.replan()
	for _, w := range workers {
		if b, ok := latest[w.Tag]; ok {
			pw.Observe(w, b)
		}
	}
	return nil
}

// planInline is how many pending Workers' triggers planning reads at once:
// a small account is planned whole before the first round.
const planInline = 20

// readTriggers reads the triggers of ws through the reader; a read that
// fails is noted and its Worker left unread.
func (pw *PushWatch) readTriggers(ctx context.Context, ws []Worker) error {
	for _, w := range ws {
		trs, err := pw.triggers(ctx, w)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			pw.unread = append(pw.unread, w)
			pw.Notes = append(pw.Notes, fmt.Sprintf("could not read the triggers of %s: %s", SanitizeInline(w.Name), SanitizeInline(err.Error())))
			continue
		}
		isConnected := false
		for _, t := range trs {
			if rc := t.RepoConnection; rc != nil && rc.RepoName != "" {
				pw.repos[rc.ProviderAccountName+"/"+rc.RepoName] = true
			}
			isConnected = isConnected || pw.Push.Connected(t)
		}
		if isConnected {
			pw.connected++
		}
		pw.read = append(pw.read, WorkerTriggers{Worker: w, Triggers: trs})
	}
	return nil
}

// replan works the plan out again from the triggers read; Workers already
// seen building the commit stay expected.
func (pw *PushWatch) replan() {
	plan := PlanPush(pw.Push, pw.read)
	for _, w := range pw.Plan.Expected {
		if _, seen := pw.builds[w.Tag]; seen && !containsWorker(plan.Expected, w.Tag) {
			plan.Expected = append(plan.Expected, w)
		}
	}
	sort.Slice(plan.Expected, func(i, j int) bool { return plan.Expected[i].Name < plan.Expected[j].Name })
	pw.Plan = plan
}

// ReadPending reads the triggers of up to n Workers not read yet (the
// Sweep priority: a person's request goes first) and plans again; it
// returns how many are left. A watch calls it each round, so its own time
// bound holds whatever the account's size.
func (pw *PushWatch) ReadPending(ctx context.Context, n int) (int, error) {
	return pw.readPending(WithPriority(ctx, Sweep), n)
}

func (pw *PushWatch) readPending(ctx context.Context, n int) (int, error) {
	if len(pw.pending) == 0 || n <= 0 {
		return len(pw.pending), nil
	}
	take := pw.pending[:min(n, len(pw.pending))]
	pw.pending = pw.pending[len(take):]
	if err := pw.readTriggers(ctx, take); err != nil {
		pw.pending = append(take, pw.pending...) // interrupted: read again later
		return len(pw.pending), err
	}
	pw.replan()
	return len(pw.pending), nil
}

// Pending is how many candidate Workers' triggers are not read yet.
func (pw *PushWatch) Pending() int { return len(pw.pending) }

func containsWorker(ws []Worker, tag string) bool {
	for _, w := range ws {
		if w.Tag == tag {
			return true
		}
	}
	return false
}

// Replan plans again while nothing is expected and planning was short of
// something: triggers that could not be read, or a repository not known
// until a build of the commit named it. It reads the latest builds again
// (a call per 20 Workers) and the candidates' triggers; it does nothing
// when a Worker is already expected.
func (pw *PushWatch) Replan(ctx context.Context, src Source, workers []Worker) error {
	if len(pw.Plan.Expected) > 0 || (pw.Push.Repo != "" && len(pw.unread) == 0) {
		return nil
	}
	latest, err := src.LatestBuilds(ctx, tagsOf(workers))
	if err != nil {
		return err
	}
	return pw.plan(ctx, workers, latest)
}

// NothingReason says why no Worker is expected: the triggers could not be
// read, no trigger takes the branch, path filters left the push out, no
// repository is known, or no Worker builds the repository (with the
// repositories seen that look like it). "" while a Worker is expected.
func (pw *PushWatch) NothingReason() string {
	if len(pw.Plan.Expected) > 0 {
		return ""
	}
	repo := SanitizeInline(pw.Push.Repo)
	switch {
	case len(pw.unread) > 0:
		return fmt.Sprintf("the triggers of %d Worker(s) could not be read, so nothing is known to build %s", len(pw.unread), repo)
	case len(pw.pending) > 0:
		return fmt.Sprintf("the triggers of %d Worker(s) are not read yet", len(pw.pending))
	case pw.Push.Repo == "":
		return "no build of the commit seen, and no repository named to read triggers for"
	case len(pw.Plan.Skipped) > 0:
		return fmt.Sprintf("the path filters of %s leave the push out", strings.Join(pw.Plan.Skipped, ", "))
	case pw.connected > 0 && pw.Push.Branch != "":
		return fmt.Sprintf("no trigger of the %d Worker(s) connected to %s takes the branch %s", pw.connected, repo, SanitizeInline(pw.Push.Branch))
	}
	s := fmt.Sprintf("no Worker builds the repository %s", repo)
	var seen []string
	for r := range pw.repos {
		if !strings.EqualFold(r, pw.Push.Repo) {
			seen = append(seen, r)
		}
	}
	sort.Strings(seen)
	if close := CloseNames(pw.Push.Repo, seen, 3); len(close) > 0 {
		s += " (did you mean " + SanitizeInline(strings.Join(close, " or ")) + "?)"
	}
	return s
}
