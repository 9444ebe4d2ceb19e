package model

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The push plan and the push watch, once for every front end: `watch
// --commit`, the dashboard's --commit and MCP's watch_commit. The rules are
// pure (PushCandidates, PlanPush, PushWatch.Observe, PushWatch.Verdict); the
// reads go through a Source and a TriggerReader, so the CLI, the MCP server
// and the tests spend the same requests for the same answer.

// TriggerReader reads a Worker's triggers: the Source itself, or a cache in
// front of it (the CLI keeps one on disk so 2,000 Workers do not cost 2,000
// calls on every watch).
type TriggerReader func(ctx context.Context, w Worker) ([]Trigger, error)

// PushCandidates are the Workers whose triggers can take the push: those
// whose latest build came from the push's repository (any repository when
// the push names none), and those whose latest build does not say (never
// built, or built without a repository connection). A Worker whose latest
// build came from another repository is left out: reading its triggers
// would cost a call to learn what its builds already say.
func PushCandidates(p Push, workers []Worker, latest map[string]Build) []Worker {
	var out []Worker
	for _, w := range workers {
		b, ok := latest[w.Tag]
		switch {
		case !ok || b.Trigger.RepoConnection == nil:
			out = append(out, w)
		case p.Repo == "" || p.Connected(b.Trigger) || p.Builds(b):
			out = append(out, w)
		}
	}
	return out
}

// RepoOfCommit is the repository of the first build of the commit among
// builds ("" when none is of it or none says): a commit belongs to one
// repository, so a watch that was not told which can learn it.
func RepoOfCommit(p Push, builds map[string]Build) string {
	tags := make([]string, 0, len(builds))
	for tag := range builds {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	for _, tag := range tags {
		b := builds[tag]
		if rc := b.Trigger.RepoConnection; p.Builds(b) && rc != nil && rc.RepoName != "" {
			return rc.ProviderAccountName + "/" + rc.RepoName
		}
	}
	return ""
}

// PushVerdict is where a push's builds stand.
type PushVerdict string

const (
	PushNothing   PushVerdict = "nothing builds it" // no Worker expected, no build of the commit seen
	PushRunning   PushVerdict = "running"           // a build is expected or has not stopped
	PushSucceeded PushVerdict = "succeeded"         // every expected Worker's build succeeded (or skipped)
	PushFailed    PushVerdict = "failed"            // every build stopped, one failed or was cancelled
)

// PushWatch is one push followed to its verdict: the plan (which Workers
// should build it) and the builds of the commit seen so far. Expected is a
// floor: a build of the commit seen on a Worker the plan did not expect is
// followed too.
type PushWatch struct {
	Push Push
	Plan PushPlan
	// Notes are what planning could not read (a Worker's triggers), said
	// once to the person or agent watching.
	Notes  []string
	builds map[string]Build // Worker tag → the newest build of the commit
	looked map[string]string
	live   map[string]Liveness // Worker tag → where its build's version stands (RefreshLive)
}

// NewPushWatch starts watching a planned push.
func NewPushWatch(p Push, plan PushPlan) *PushWatch {
	return &PushWatch{Push: p, Plan: plan, builds: map[string]Build{}, looked: map[string]string{}}
}

// Observe records a build seen on Worker w; it reports whether the build is
// of the push's commit. A build of the commit on a Worker the plan did not
// expect makes that Worker expected (and no longer skipped); of two builds
// of the commit on one Worker the newer is the one followed.
func (pw *PushWatch) Observe(w Worker, b Build) bool {
	if !pw.Push.Builds(b) {
		return false
	}
	if old, ok := pw.builds[w.Tag]; ok && old.UUID != b.UUID && old.CreatedOn.After(b.CreatedOn) {
		return true
	}
	pw.builds[w.Tag] = b
	if !pw.expects(w.Tag) {
		pw.Plan.Expected = append(pw.Plan.Expected, w)
		sort.Slice(pw.Plan.Expected, func(i, j int) bool { return pw.Plan.Expected[i].Name < pw.Plan.Expected[j].Name })
		for i, name := range pw.Plan.Skipped {
			if name == w.Name {
				pw.Plan.Skipped = append(pw.Plan.Skipped[:i:i], pw.Plan.Skipped[i+1:]...)
				break
			}
		}
	}
	return true
}

func (pw *PushWatch) expects(tag string) bool {
	for _, w := range pw.Plan.Expected {
		if w.Tag == tag {
			return true
		}
	}
	return false
}

// ObserveEvents applies build events to the push: an event of a build of
// the commit is observed as a build (its Worker found by name among
// workers); one of a build already followed moves it on (model.ApplyEvent).
// It reports whether anything changed.
func (pw *PushWatch) ObserveEvents(evs []BuildEvent, workers []Worker) bool {
	byName := make(map[string]Worker, len(workers))
	for _, w := range workers {
		byName[w.Name] = w
	}
	changed := false
	for _, ev := range evs {
		w, ok := byName[ev.WorkerName]
		if !ok {
			continue
		}
		known, had := pw.builds[w.Tag]
		if had && known.UUID != ev.Build.UUID {
			had = false // another build of the Worker: observed as new below
		}
		b, moved := ApplyEvent(known, had, ev)
		if !moved {
			continue
		}
		if b.WorkerTag == "" {
			b.WorkerTag = w.Tag
		}
		if had {
			pw.builds[w.Tag], changed = b, true
		} else if pw.Observe(w, b) {
			changed = true
		}
	}
	return changed
}

// BuildOf is the build of the commit followed on a Worker.
func (pw *PushWatch) BuildOf(tag string) (Build, bool) {
	b, ok := pw.builds[tag]
	return b, ok
}

// Tally counts the expected Workers' builds.
func (pw *PushWatch) Tally() PushTally {
	t := PushTally{Expected: len(pw.Plan.Expected)}
	for _, w := range pw.Plan.Expected {
		b, ok := pw.builds[w.Tag]
		if !ok {
			continue
		}
		t.Started++
		if b.Finished() {
			t.Done++
			if !b.Outcome.OK() {
				t.Failed++
			}
		}
	}
	return t
}

// Verdict is where the push stands now.
func (pw *PushWatch) Verdict() PushVerdict {
	t := pw.Tally()
	switch {
	case t.Expected == 0:
		return PushNothing
	case t.Done < t.Expected:
		return PushRunning
	case t.Failed > 0:
		return PushFailed
	}
	return PushSucceeded
}

// Summary is the one-line verdict: expected, started, skipped.
func (pw *PushWatch) Summary() string { return pw.Tally().Summary(pw.Plan.Skipped) }

// PlanPushFrom reads which Workers should build the push: the account's
// Workers and their latest builds (a call per 20 Workers), then the
// triggers of the candidates (PushCandidates) through triggers. Builds of
// the commit among the latest are observed at once. A push that names no
// repository takes it from those builds.
func PlanPushFrom(ctx context.Context, src Source, triggers TriggerReader, p Push) (*PushWatch, []Worker, error) {
	workers, err := src.Workers(ctx)
	if err != nil {
		return nil, nil, err
	}
	latest, err := src.LatestBuilds(ctx, tagsOf(workers))
	if err != nil {
		return nil, nil, err
	}
	if p.Repo == "" {
		p.Repo = RepoOfCommit(p, latest)
	}
	var connected []WorkerTriggers
	var notes []string
	if p.Repo != "" {
		for _, w := range PushCandidates(p, workers, latest) {
			trs, err := triggers(ctx, w)
			if err != nil {
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				notes = append(notes, fmt.Sprintf("could not read the triggers of %s: %s", SanitizeInline(w.Name), SanitizeInline(err.Error())))
				continue
			}
			connected = append(connected, WorkerTriggers{Worker: w, Triggers: trs})
		}
	}
	pw := NewPushWatch(p, PlanPush(p, connected))
	pw.Notes = notes
	for _, w := range workers {
		if b, ok := latest[w.Tag]; ok {
			pw.Observe(w, b)
		}
	}
	return pw, workers, nil
}

// Refresh brings the followed builds up to date: it reads each build of the
// commit that has not stopped (one call each), and looks for the builds not
// found yet: the latest builds of those Workers (a call per 20), and, when a
// Worker's latest is another commit's and has not been looked behind yet,
// its recent history (a newer push can hide the commit's build).
func (pw *PushWatch) Refresh(ctx context.Context, src Source) error {
	var missing []Worker
	for _, w := range pw.Plan.Expected {
		b, ok := pw.builds[w.Tag]
		switch {
		case !ok:
			missing = append(missing, w)
		case !b.Finished():
			nb, err := src.Build(ctx, b.UUID)
			if err != nil {
				return err
			}
			pw.builds[w.Tag] = nb
		}
	}
	if len(missing) == 0 {
		return nil
	}
	latest, err := src.LatestBuilds(ctx, tagsOf(missing))
	if err != nil {
		return err
	}
	for _, w := range missing {
		b, ok := latest[w.Tag]
		if !ok || pw.Observe(w, b) || pw.looked[w.Tag] == b.UUID {
			continue
		}
		pw.looked[w.Tag] = b.UUID
		if err := pw.lookBehind(ctx, src, w); err != nil {
			return err
		}
	}
	return nil
}

// lookBehind finds the commit's build in a Worker's recent history.
func (pw *PushWatch) lookBehind(ctx context.Context, src Source, w Worker) error {
	hist, err := src.WorkerHistory(ctx, w, 20)
	if err != nil {
		var nf interface{ NotFound() bool }
		if errors.As(err, &nf) && nf.NotFound() {
			return nil // the Worker went away: it builds nothing
		}
		return err
	}
	for _, b := range hist {
		pw.Observe(w, b)
	}
	return nil
}

// Sweep looks once across every Worker for builds of the commit (the
// latest builds, a call per 20 Workers) and reports how many Workers it
// added to the expected ones: before a verdict, so a Worker that started
// building the commit late, or that no trigger was known to take, is not
// missed.
func (pw *PushWatch) Sweep(ctx context.Context, src Source, workers []Worker) (int, error) {
	latest, err := src.LatestBuilds(ctx, tagsOf(workers))
	if err != nil {
		return 0, err
	}
	before := len(pw.Plan.Expected)
	for _, w := range workers {
		if b, ok := latest[w.Tag]; ok {
			if _, had := pw.builds[w.Tag]; !had {
				pw.Observe(w, b)
			}
		}
	}
	return len(pw.Plan.Expected) - before, nil
}

func tagsOf(ws []Worker) []string {
	tags := make([]string, 0, len(ws))
	for _, w := range ws {
		tags = append(tags, w.Tag)
	}
	return tags
}

// WorkerState is one expected Worker's line of a push's answer: its build's
// state, or "expected" while none is seen.
func (pw *PushWatch) WorkerState(w Worker) string {
	b, ok := pw.builds[w.Tag]
	if !ok {
		return "expected"
	}
	return strings.TrimSpace(string(b.State()))
}
