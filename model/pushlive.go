package model

import (
	"context"
	"fmt"
	"strings"
)

// A push's live verdict (`watch --commit --live`, MCP watch_commit's
// live): a succeeded build is not a live Worker. A non-production branch
// only uploads a version, a gradual deployment serves it to part of the
// traffic, a deploy can be rolled back. Each expected Worker is live when
// the version its build made holds at least the asked share of traffic.

// LiveState is where one expected Worker stands.
type LiveState string

const (
	LiveExpected   LiveState = "expected" // no build of the commit seen yet
	LiveBuilding   LiveState = "building"
	LiveChecking   LiveState = "checking"   // built; its deployments not read yet
	LiveFailed     LiveState = "failed"     // failed, cancelled or terminated
	LiveUploaded   LiveState = "uploaded"   // built; its version does not serve (not deployed, rolled back, replaced)
	LiveGradual    LiveState = "gradual"    // serving, under the asked share
	LiveLive       LiveState = "live"       // serving at least the asked share
	LiveSuperseded LiveState = "superseded" // a newer build of the same branch serves instead: done
	LiveGone       LiveState = "gone"       // the Worker was deleted (its deployments answer 404)
	LiveSkipped    LiveState = "skipped"    // its path filters left the push out, or the build was skipped
)

// WorkerLive is one Worker's line of the live verdict.
type WorkerLive struct {
	Worker     Worker
	State      LiveState
	Build      Build   // the build of the commit (zero while expected)
	Percentage float64 // the traffic its version serves
	// Detail says more where the state is not the end: "not deployed",
	// "rolled back to 1a2b3c4", "superseded by 1a2b3c4".
	Detail string
}

// Verdicts of a live watch beyond the builds' own.
const (
	PushLive    PushVerdict = "live"     // every expected Worker serves the commit (or a newer build of its branch)
	PushNotLive PushVerdict = "not live" // the builds succeeded, not every Worker serves the commit yet
)

// liveRead is what the last read of a Worker's deployments said of the
// build of the commit.
type liveRead struct {
	Liveness
	gone bool // the Worker's deployments answered 404: it was deleted
	// serving is the build whose version serves the largest share now
	// (zero: nothing serves, or a version made outside Builds: outside).
	serving        Build
	servingVersion string
	outside        bool
	// rolledBack: the version serving now served before the build's
	// version was first deployed.
	rolledBack bool
}

// judgeDeployments reads a build's standing from its Worker's deployments
// (newest first) and the builds that made their versions.
func judgeDeployments(b Build, ds []Deployment, byVersion func(versionID string) (Build, bool)) liveRead {
	uuidOf := func(v string) string {
		o, _ := byVersion(v)
		return o.UUID
	}
	r := liveRead{Liveness: LivenessOf(b.UUID, ds, uuidOf)}
	if len(ds) == 0 {
		return r
	}
	best := -1.0
	for _, v := range ds[0].Versions {
		if v.Percentage <= best {
			continue
		}
		best = v.Percentage
		o, ok := byVersion(v.VersionID)
		r.serving, r.servingVersion, r.outside = o, v.VersionID, !ok || o.UUID == ""
	}
	first := -1 // the oldest deployment that gave the build traffic
	for i, d := range ds {
		for _, v := range d.Versions {
			if o, _ := byVersion(v.VersionID); v.Percentage > 0 && o.UUID == b.UUID && b.UUID != "" {
				first = i
			}
		}
	}
	for i := first + 1; first >= 0 && i < len(ds); i++ {
		for _, v := range ds[i].Versions {
			r.rolledBack = r.rolledBack || v.Percentage > 0 && v.VersionID == r.servingVersion
		}
	}
	return r
}

// SetLiveness records where a Worker's build of the commit stands from the
// Worker's deployments (newest first) and the builds behind their
// versions (ok false for a version made outside Builds).
func (pw *PushWatch) SetLiveness(tag string, ds []Deployment, byVersion func(versionID string) (Build, bool)) {
	pw.setRead(tag, judgeDeployments(pw.builds[tag], ds, byVersion))
}

// LiveStates is every expected Worker's state, by name, then the Workers
// skipped by their path filters.
func (pw *PushWatch) LiveStates(percent float64) []WorkerLive {
	out := make([]WorkerLive, 0, len(pw.Plan.Expected)+len(pw.Plan.Skipped))
	for _, w := range pw.Plan.Expected {
		wl := WorkerLive{Worker: w, State: LiveExpected}
		b, ok := pw.builds[w.Tag]
		switch {
		case !ok:
		case !b.Finished() || pw.unconfirmed[b.UUID]:
			wl.State, wl.Build = LiveBuilding, b
		case b.Outcome == OutcomeSkipped:
			wl.State, wl.Build = LiveSkipped, b
		case !b.Outcome.OK():
			wl.State, wl.Build = LiveFailed, b
		default:
			wl.Build = b
			r, read := pw.live[w.Tag]
			wl.Percentage = r.Percentage
			if !read {
				wl.State = LiveChecking
			} else {
				wl.State, wl.Detail = r.state(b, percent)
			}
		}
		out = append(out, wl)
	}
	for _, name := range pw.Plan.Skipped {
		out = append(out, WorkerLive{Worker: Worker{Name: name}, State: LiveSkipped, Detail: "path filters"})
	}
	return out
}

// state names what is true of a succeeded build b from its Worker's
// deployments: live, gradual, superseded by a newer build of its branch,
// rolled back to an older one, replaced by another branch's or a version
// from outside Builds, no longer serving, or never deployed.
func (r liveRead) state(b Build, percent float64) (LiveState, string) {
	s := r.serving
	newer := s.UUID != "" && s.UUID != b.UUID && s.CreatedOn.After(b.CreatedOn)
	switch {
	case r.gone:
		return LiveGone, "deleted"
	case r.Percentage >= percent:
		return LiveLive, ""
	case newer && s.Meta.Branch != "" && s.Meta.Branch == b.Meta.Branch:
		return LiveSuperseded, "superseded by " + shortName(s)
	case r.Percentage > 0:
		return LiveGradual, FormatPercent(r.Percentage) + "%"
	case newer:
		return LiveUploaded, "replaced by " + shortName(s) + " of " + SanitizeInline(otherBranch(s.Meta.Branch))
	case !r.Deployed:
		return LiveUploaded, "not deployed"
	case r.rolledBack && r.outside:
		return LiveUploaded, "rolled back to version " + SanitizeInline(r.servingVersion[:min(8, len(r.servingVersion))])
	case r.rolledBack, s.UUID != "" && s.UUID != b.UUID && !s.CreatedOn.IsZero() && s.CreatedOn.Before(b.CreatedOn):
		return LiveUploaded, "rolled back to " + shortName(s)
	case s.UUID != "" && s.UUID != b.UUID:
		// A build known by its uuid alone: its age unknown, say no more.
		return LiveUploaded, "replaced by " + shortName(s)
	case r.outside:
		return LiveUploaded, "replaced by a version deployed outside Builds"
	}
	return LiveUploaded, "no longer serving"
}

// shortName names a build in a few characters: its short commit, else
// the start of its uuid.
func shortName(b Build) string {
	if c := b.ShortCommit(); c != "" {
		return SanitizeInline(c)
	}
	return "build " + SanitizeInline(b.UUID[:min(8, len(b.UUID))])
}

func otherBranch(s string) string {
	if s == "" {
		return "another branch"
	}
	return s
}

// done reports whether a Worker's state is its end for the verdict: live,
// superseded or skipped.
func (s LiveState) done() bool { return s == LiveLive || s == LiveSuperseded || s == LiveSkipped }

// LiveVerdict is the push's verdict when being live is asked: failed when
// a build failed; running while a build is expected or runs; live when
// every expected Worker serves the commit; else not live (yet).
func (pw *PushWatch) LiveVerdict(percent float64) PushVerdict {
	if v := pw.Verdict(); v == PushNothing || v == PushFailed || v == PushRunning {
		return v
	}
	for _, wl := range pw.LiveStates(percent) {
		if !wl.State.done() {
			return PushNotLive
		}
	}
	return PushLive
}

// LiveSettled reports whether waiting can no longer change a not-live
// verdict: every Worker not done is gone.
func (pw *PushWatch) LiveSettled(percent float64) bool {
	for _, wl := range pw.LiveStates(percent) {
		if !wl.State.done() && wl.State != LiveGone {
			return false
		}
	}
	return true
}

// LiveSummary is the verdict in one line of at most max bytes (a commit
// status's description: GitHub takes 140): "3/4 Workers live", the Workers
// superseded ("1 superseded by 1a2b3c4"), then what is not: "docs-site
// uploaded, not deployed; edge-router 50%".
func (pw *PushWatch) LiveSummary(percent float64, max int) string {
	states := pw.LiveStates(percent)
	live, counted := 0, 0
	var not, superseded []string
	for _, wl := range states {
		if wl.State == LiveSkipped {
			continue
		}
		counted++
		switch wl.State {
		case LiveLive:
			live++
		case LiveSuperseded:
			superseded = append(superseded, wl.Detail+" ("+SanitizeInline(wl.Worker.Name)+")")
		case LiveGone:
			not = append(not, SanitizeInline(wl.Worker.Name)+" gone (deleted)")
		case LiveGradual:
			not = append(not, SanitizeInline(wl.Worker.Name)+" "+wl.Detail)
		case LiveUploaded:
			not = append(not, SanitizeInline(wl.Worker.Name)+" uploaded, "+wl.Detail)
		case LiveFailed:
			not = append(not, SanitizeInline(wl.Worker.Name)+" "+string(wl.Build.State()))
		default:
			not = append(not, SanitizeInline(wl.Worker.Name)+" "+string(wl.State))
		}
	}
	s := fmt.Sprintf("%d/%d Workers live", live, counted)
	if len(superseded) > 0 {
		// "1 superseded by 1a2b3c4 (api)": done, and named.
		s += fmt.Sprintf(", %d %s", len(superseded), strings.Join(superseded, ", "))
	}
	if len(not) > 0 {
		s += ": " + strings.Join(not, "; ")
	}
	if max > 0 && len(s) > max {
		cut := max - len("…")
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// FirstFailure is the Worker to point at: the first failed, else the
// first not live, else none.
func (pw *PushWatch) FirstFailure(percent float64) (WorkerLive, bool) {
	states := pw.LiveStates(percent)
	for _, want := range []func(LiveState) bool{
		func(s LiveState) bool { return s == LiveFailed },
		func(s LiveState) bool { return !s.done() },
	} {
		for _, wl := range states {
			if want(wl.State) {
				return wl, true
			}
		}
	}
	return WorkerLive{}, false
}

// maxDeploymentsRead is how many of a Worker's deployments decide its
// liveness: the one serving now and the few before it (a rollback).
const maxDeploymentsRead = 5

// RefreshLive reads where each succeeded build of the push stands: the
// deployments of its Worker (a call each) and, for every version they
// name, the build that made it (a call per 20 versions, for all the
// Workers at once). A Worker already live, superseded or gone is not read
// again: ConfirmLive reads them all before a verdict. A Worker whose
// deployments answer 404 is gone; the others are still judged.
func (pw *PushWatch) RefreshLive(ctx context.Context, src Source, percent float64) error {
	return pw.readLive(ctx, src, percent, func(s LiveState) bool {
		return s == LiveChecking || s == LiveUploaded || s == LiveGradual
	})
}

// ConfirmLive reads every succeeded build's standing again, those seen
// live included, and returns the live verdict on that read: live once is
// not live (a rollback, a newer push). A read that fails leaves the
// Workers it did not reach "checking", never live.
func (pw *PushWatch) ConfirmLive(ctx context.Context, src Source, percent float64) (PushVerdict, error) {
	ctx = WithFresh(ctx)
	for _, wl := range pw.LiveStates(percent) {
		if wl.State == LiveLive || wl.State == LiveSuperseded || wl.State == LiveGradual || wl.State == LiveUploaded {
			delete(pw.live, wl.Worker.Tag)
		}
	}
	err := pw.readLive(ctx, src, percent, func(s LiveState) bool { return s == LiveChecking })
	return pw.LiveVerdict(percent), err
}

func (pw *PushWatch) readLive(ctx context.Context, src Source, percent float64, want func(LiveState) bool) error {
	var ask []WorkerLive
	for _, wl := range pw.LiveStates(percent) {
		if want(wl.State) {
			ask = append(ask, wl)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	deps := make(map[string][]Deployment, len(ask))
	seen := map[string]bool{}
	var ids []string
	var failed error
	for _, wl := range ask {
		ds, err := src.Deployments(ctx, wl.Worker.Name)
		if notFound(err) {
			pw.setRead(wl.Worker.Tag, liveRead{gone: true})
			continue
		}
		if err != nil {
			failed = err
			break
		}
		ds = ds[:min(len(ds), maxDeploymentsRead)]
		deps[wl.Worker.Tag] = ds
		for _, d := range ds {
			for _, v := range d.Versions {
				if v.VersionID != "" && !seen[v.VersionID] {
					seen[v.VersionID] = true
					ids = append(ids, v.VersionID)
				}
			}
		}
	}
	byVersion := map[string]Build{}
	for i := 0; i < len(ids); i += 20 {
		m, err := src.BuildsByVersion(ctx, ids[i:min(i+20, len(ids))])
		if err != nil {
			return err // nothing judged on half an answer
		}
		for k, b := range m {
			byVersion[k] = b
		}
	}
	lookup := func(v string) (Build, bool) {
		b, ok := byVersion[v]
		return b, ok
	}
	for _, wl := range ask {
		if ds, read := deps[wl.Worker.Tag]; read {
			pw.SetLiveness(wl.Worker.Tag, ds, lookup)
		}
	}
	return failed
}

func (pw *PushWatch) setRead(tag string, r liveRead) {
	if pw.live == nil {
		pw.live = map[string]liveRead{}
	}
	pw.live[tag] = r
}
