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
	LiveExpected LiveState = "expected" // no build of the commit seen yet
	LiveBuilding LiveState = "building"
	LiveChecking LiveState = "checking" // built; its deployments not read yet
	LiveFailed   LiveState = "failed"   // failed, cancelled or terminated
	LiveUploaded LiveState = "uploaded" // built; its version does not serve (not deployed, or rolled back)
	LiveGradual  LiveState = "gradual"  // serving, under the asked share
	LiveLive     LiveState = "live"     // serving at least the asked share
	LiveSkipped  LiveState = "skipped"  // its path filters left the push out, or the build was skipped
)

// WorkerLive is one Worker's line of the live verdict.
type WorkerLive struct {
	Worker     Worker
	State      LiveState
	Build      Build   // the build of the commit (zero while expected)
	Percentage float64 // the traffic its version serves
	// Detail says more where the state is not the end: "not deployed",
	// "rolled back", "superseded by …".
	Detail string
}

// Verdicts of a live watch beyond the builds' own.
const (
	PushLive    PushVerdict = "live"     // every expected Worker serves the commit
	PushNotLive PushVerdict = "not live" // the builds succeeded, not every Worker serves the commit yet
)

// SetLiveness records where a Worker's build of the commit stands in its
// deployments (read by RefreshLive).
func (pw *PushWatch) SetLiveness(tag string, l Liveness) {
	if pw.live == nil {
		pw.live = map[string]Liveness{}
	}
	pw.live[tag] = l
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
		case !b.Finished():
			wl.State, wl.Build = LiveBuilding, b
		case b.Outcome == OutcomeSkipped:
			wl.State, wl.Build = LiveSkipped, b
		case !b.Outcome.OK():
			wl.State, wl.Build = LiveFailed, b
		default:
			wl.Build = b
			l, read := pw.live[w.Tag]
			wl.Percentage = l.Percentage
			switch {
			case !read:
				wl.State = LiveChecking
			case l.Percentage >= percent:
				wl.State = LiveLive
			case l.Percentage > 0:
				wl.State, wl.Detail = LiveGradual, FormatPercent(l.Percentage)+"%"
			case l.Deployed && l.SupersededBy != "":
				wl.State, wl.Detail = LiveUploaded, "rolled back or replaced"
			case l.Deployed:
				wl.State, wl.Detail = LiveUploaded, "no longer serving"
			default:
				wl.State, wl.Detail = LiveUploaded, "not deployed"
			}
		}
		out = append(out, wl)
	}
	for _, name := range pw.Plan.Skipped {
		out = append(out, WorkerLive{Worker: Worker{Name: name}, State: LiveSkipped, Detail: "path filters"})
	}
	return out
}

// LiveVerdict is the push's verdict when being live is asked: failed when
// a build failed; running while a build is expected or runs; live when
// every expected Worker serves the commit; else not live (yet).
func (pw *PushWatch) LiveVerdict(percent float64) PushVerdict {
	if v := pw.Verdict(); v == PushNothing || v == PushFailed || v == PushRunning {
		return v
	}
	for _, wl := range pw.LiveStates(percent) {
		if wl.State != LiveLive && wl.State != LiveSkipped {
			return PushNotLive
		}
	}
	return PushLive
}

// LiveSummary is the verdict in one line of at most max bytes (a commit
// status's description: GitHub takes 140): "3/4 Workers live", then what
// is not: "docs-site uploaded, not deployed; edge-router 50%".
func (pw *PushWatch) LiveSummary(percent float64, max int) string {
	states := pw.LiveStates(percent)
	live, counted := 0, 0
	var not []string
	for _, wl := range states {
		if wl.State == LiveSkipped {
			continue
		}
		counted++
		switch wl.State {
		case LiveLive:
			live++
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
		func(s LiveState) bool { return s != LiveLive && s != LiveSkipped },
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
// Workers at once). A Worker already live at the asked share is not read
// again.
func (pw *PushWatch) RefreshLive(ctx context.Context, src Source, percent float64) error {
	var ask []WorkerLive
	for _, wl := range pw.LiveStates(percent) {
		if wl.State == LiveChecking || wl.State == LiveUploaded || wl.State == LiveGradual {
			ask = append(ask, wl)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	deps := make(map[string][]Deployment, len(ask))
	seen := map[string]bool{}
	var ids []string
	for _, wl := range ask {
		ds, err := src.Deployments(ctx, wl.Worker.Name)
		if err != nil {
			return err
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
			return err
		}
		for k, b := range m {
			byVersion[k] = b
		}
	}
	for _, wl := range ask {
		l := LivenessOf(wl.Build.UUID, deps[wl.Worker.Tag], func(v string) string { return byVersion[v].UUID })
		pw.SetLiveness(wl.Worker.Tag, l)
	}
	return nil
}
