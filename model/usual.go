package model

import (
	"slices"
	"time"
)

// BuildTimeLimit is when Cloudflare stops a build.
const BuildTimeLimit = 20 * time.Minute

// Usual is how long builds usually take: the median and 90th percentile of
// the successful builds of one Worker and branch (or of the Worker when the
// branch has too few), and how long the account's builds wait to start.
type Usual struct {
	N         int // successful builds measured
	Median    time.Duration
	P90       time.Duration
	Scope     string // "branch" or "Worker": what was measured
	Wait      time.Duration
	WaitKnown bool
	// Phase is the median of each phase over the successful builds of the
	// same Worker and branch whose phases are known (logs read), where 3+.
	Phase map[string]time.Duration
}

// usualMin is the fewest builds a figure is given from.
const usualMin = 3

// UsualOf reads the usual times for b from the builds known: successful
// builds of its Worker and branch (created to stopped), else of its Worker;
// and the median wait from created to initializing of the account's builds.
func UsualOf(b Build, known func(yield func(Build) bool)) Usual {
	var branch, worker, waits []time.Duration
	for o := range known {
		if o.UUID == b.UUID {
			continue
		}
		if start := o.InitializingOn; start != nil && !o.CreatedOn.IsZero() {
			waits = append(waits, start.Sub(o.CreatedOn))
		}
		if o.Outcome != OutcomeSuccess || o.StoppedOn == nil || o.WorkerTag != b.WorkerTag || o.CreatedOn.IsZero() {
			continue
		}
		d := o.StoppedOn.Sub(o.CreatedOn)
		if d <= 0 || d > 2*BuildTimeLimit {
			continue
		}
		worker = append(worker, d)
		if o.Meta.Branch == b.Meta.Branch {
			branch = append(branch, d)
		}
	}
	u := Usual{}
	switch {
	case len(branch) >= usualMin:
		u.N, u.Scope, u.Median, u.P90 = len(branch), "branch", percentile(branch, 50), percentile(branch, 90)
	case len(worker) >= usualMin:
		u.N, u.Scope, u.Median, u.P90 = len(worker), "Worker", percentile(worker, 50), percentile(worker, 90)
	}
	if len(waits) >= usualMin {
		u.Wait, u.WaitKnown = percentile(waits, 50), true
	}
	return u
}

// WithPhases adds the per-phase medians to u, from the phases known of
// other builds (spansOf: nil when unknown) among known: the successful
// builds of b's Worker and branch.
func (u Usual) WithPhases(b Build, known func(yield func(Build) bool), spansOf func(uuid string) []Span) Usual {
	byPhase := map[string][]time.Duration{}
	for o := range known {
		if o.UUID == b.UUID || o.Outcome != OutcomeSuccess || o.WorkerTag != b.WorkerTag || o.Meta.Branch != b.Meta.Branch {
			continue
		}
		for _, s := range spansOf(o.UUID) {
			byPhase[s.Name] = append(byPhase[s.Name], s.Duration())
		}
	}
	for name, ds := range byPhase {
		if len(ds) >= usualMin {
			if u.Phase == nil {
				u.Phase = map[string]time.Duration{}
			}
			u.Phase[name] = percentile(ds, 50)
		}
	}
	return u
}

// percentile is the nearest-rank percentile p of ds (which it sorts).
func percentile(ds []time.Duration, p int) time.Duration {
	slices.Sort(ds)
	rank := (p*len(ds) + 99) / 100 // ceil(p/100 × n)
	return ds[max(rank-1, 0)]
}

// LastSuccessBefore is the newest successful build of b's Worker and
// branch created before b: what "it worked last time" means.
func LastSuccessBefore(b Build, known []Build) (Build, bool) {
	var best Build
	found := false
	for _, o := range known {
		if o.UUID == b.UUID || o.WorkerTag != b.WorkerTag || o.Meta.Branch != b.Meta.Branch || o.Outcome != OutcomeSuccess {
			continue
		}
		if !b.CreatedOn.IsZero() && !o.CreatedOn.Before(b.CreatedOn) {
			continue
		}
		if !found || o.CreatedOn.After(best.CreatedOn) {
			best, found = o, true
		}
	}
	return best, found
}
