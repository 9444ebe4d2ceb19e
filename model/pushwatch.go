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
	// PushNothing is no Worker expected and no build of the commit seen:
	// never a pass (builds start late, a read may have failed, a
	// repository may be mistyped); NothingReason says why.
	PushNothing   PushVerdict = "nothing builds it"
	PushRunning   PushVerdict = "running"   // a build is expected or has not stopped
	PushSucceeded PushVerdict = "succeeded" // every expected Worker's build succeeded (or skipped)
	PushFailed    PushVerdict = "failed"    // every build stopped, one failed or was cancelled
)

// PushWatch is one push followed to its verdict: the plan (which Workers
// should build it) and the builds of the commit seen so far. Expected is a
// floor: a build of the commit seen on a Worker the plan did not expect is
// followed too.
type PushWatch struct {
	Push Push
	Plan PushPlan
	// Notes are what planning could not read (a Worker's triggers) and
	// where an event and the API disagreed, said once to the person or
	// agent watching (NewNotes).
	Notes  []string
	noted  int
	builds map[string]Build // Worker tag → the newest build of the commit
	looked map[string]string
	live   map[string]liveRead // Worker tag → where its build's version stands (RefreshLive)

	// unconfirmed are builds an event moved (by uuid): news, not proof,
	// until one GET of the build agrees (Refresh).
	unconfirmed map[string]bool
	// addedBy is the build that made a Worker expected when the plan did
	// not: a build the API then says does not exist takes it back.
	addedBy map[string]string

	// What planning saw, for NothingReason and a replan.
	triggers  TriggerReader
	read      []WorkerTriggers // the candidates' triggers read so far
	pending   []Worker         // candidates whose triggers are not read yet (ReadPending)
	unread    []Worker         // Workers whose triggers could not be read
	connected int              // Workers with a trigger connected to the repository
	repos     map[string]bool  // repositories seen on builds and triggers
}

// NewPushWatch starts watching a planned push.
func NewPushWatch(p Push, plan PushPlan) *PushWatch {
	return &PushWatch{Push: p, Plan: plan, builds: map[string]Build{}, looked: map[string]string{},
		unconfirmed: map[string]bool{}, addedBy: map[string]string{}, repos: map[string]bool{}}
}

// NewNotes are the notes added since the last call.
func (pw *PushWatch) NewNotes() []string {
	n := pw.Notes[pw.noted:]
	pw.noted = len(pw.Notes)
	return n
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
		pw.addedBy[w.Tag] = b.UUID
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
// A build an event moved is unconfirmed until Refresh reads it: an event
// is news, not proof (a forged message, another producer on the queue).
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
			pw.unconfirmed[b.UUID] = true
		} else if pw.Observe(w, b) {
			changed = true
			pw.unconfirmed[b.UUID] = true
		}
	}
	return changed
}

// drop forgets a build the API says does not exist, and the Worker it
// alone made expected.
func (pw *PushWatch) drop(w Worker, uuid string) {
	delete(pw.builds, w.Tag)
	delete(pw.unconfirmed, uuid)
	if pw.addedBy[w.Tag] != uuid {
		return
	}
	delete(pw.addedBy, w.Tag)
	for i, e := range pw.Plan.Expected {
		if e.Tag == w.Tag {
			pw.Plan.Expected = append(pw.Plan.Expected[:i:i], pw.Plan.Expected[i+1:]...)
			break
		}
	}
}

// confirm reads a build an event moved, or one not stopped: the API's
// answer wins, a disagreement with an event is noted once, and a build the
// API does not know is dropped.
func (pw *PushWatch) confirm(ctx context.Context, src Source, w Worker, b Build) error {
	if pw.unconfirmed[b.UUID] {
		ctx = WithFresh(ctx)
	}
	nb, err := src.Build(ctx, b.UUID)
	if err != nil {
		if notFound(err) && pw.unconfirmed[b.UUID] {
			pw.Notes = append(pw.Notes, fmt.Sprintf("an event named build %s of %s, which the API does not know: ignored", SanitizeInline(b.UUID), SanitizeInline(w.Name)))
			pw.drop(w, b.UUID)
			return nil
		}
		return err
	}
	if pw.unconfirmed[b.UUID] && b.Finished() && nb.State() != b.State() {
		pw.Notes = append(pw.Notes, fmt.Sprintf("an event said build %s of %s %s; the API says %s, which stands", SanitizeInline(b.UUID), SanitizeInline(w.Name), b.State(), nb.State()))
	}
	delete(pw.unconfirmed, b.UUID)
	if nb.WorkerTag == "" {
		nb.WorkerTag = w.Tag
	}
	pw.builds[w.Tag] = nb
	return nil
}

func notFound(err error) bool {
	var nf interface{ NotFound() bool }
	return errors.As(err, &nf) && nf.NotFound()
}

// BuildOf is the build of the commit followed on a Worker (a build an
// event alone says stopped is still shown as stopped: it is confirmed
// before a verdict rests on it).
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
		if b.Finished() && !pw.unconfirmed[b.UUID] {
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

// Summary is the one-line verdict: expected, started, skipped, and how
// many candidates were not checked (their triggers not read yet).
func (pw *PushWatch) Summary() string {
	s := pw.Tally().Summary(pw.Plan.Skipped)
	if n := len(pw.pending); n > 0 {
		s += fmt.Sprintf(" · %d Workers not checked yet (never built: their triggers not read)", n)
	}
	return s
}

// Refresh brings the followed builds up to date: it reads each build of the
// commit that has not stopped or that an event alone moved (one call
// each), and looks for the builds not found yet: the latest builds of those
// Workers (a call per 20), and, when a Worker's latest is another commit's
// and has not been looked behind yet, its recent history (a newer push can
// hide the commit's build).
func (pw *PushWatch) Refresh(ctx context.Context, src Source) error {
	var missing []Worker
	for _, w := range append([]Worker(nil), pw.Plan.Expected...) {
		b, ok := pw.builds[w.Tag]
		switch {
		case !ok:
			missing = append(missing, w)
		case !b.Finished() || pw.unconfirmed[b.UUID]:
			if err := pw.confirm(ctx, src, w, b); err != nil {
				return err
			}
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
		if notFound(err) {
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
