package sim

import (
	"fmt"
	"net/http"
	"sort"
	"time"
)

// deployment is a simulated Worker deployment: visible from at on.
type deployment struct {
	id          string
	at          time.Time
	versions    []split
	source      string
	message     string
	triggeredBy string
	author      string
	build       *build // the build that made it, nil for one from outside Builds
}

type split struct {
	versionID string
	pct       float64
}

// deployBuild records the deployment a successful build makes when it
// stops: the whole traffic, or as its deploy mode says (a push's Deploy):
// none (a version upload), a gradual share beside the version before, a
// deployment rolled back as it is seen ("rollback"), or one rolled back a
// while after it went live ("rollback-after:2s").
func (s *Sim) deployBuild(w *worker, b *build) {
	if b.outcome != "success" || b.versionID == "" || s.undeployed(w) || b.deployMode == "upload" {
		return
	}
	var prev string
	if n := len(w.deploys); n > 0 && len(w.deploys[n-1].versions) > 0 {
		prev = w.deploys[n-1].versions[0].versionID
	}
	d := &deployment{
		id: uuid(w.rng), at: b.stopOn, versions: []split{{b.versionID, 100}},
		source: "wrangler", message: "Automatic deployment by Workers Builds", triggeredBy: "deployment",
		author: b.author, build: b,
	}
	var pct float64
	if _, err := fmt.Sscanf(b.deployMode, "gradual:%g", &pct); err == nil && pct > 0 && pct < 100 && prev != "" {
		d.versions = []split{{b.versionID, pct}, {prev, 100 - pct}}
	}
	w.deploys = append(w.deploys, d)
	var after time.Duration
	if _, err := fmt.Sscanf(b.deployMode, "rollback-after:%s", new(string)); err == nil && prev != "" {
		// Live at its stop, rolled back later: a watch that saw it live
		// once must read it again to know.
		if after, err = time.ParseDuration(b.deployMode[len("rollback-after:"):]); err == nil {
			w.deploys = append(w.deploys, &deployment{id: uuid(w.rng), at: b.stopOn.Add(after), versions: []split{{prev, 100}},
				source: "dash", message: "Rollback", triggeredBy: "rollback", author: "oncall@acme.dev"})
		}
	}
	if b.deployMode == "rollback" && prev != "" {
		// Deployed by its deploy step, and rolled back by the time the
		// build is seen stopped: a watch can only find it rolled back.
		d.at = b.stopOn.Add(-10 * time.Millisecond)
		w.deploys = append(w.deploys, &deployment{id: uuid(w.rng), at: b.stopOn, versions: []split{{prev, 100}},
			source: "dash", message: "Rollback", triggeredBy: "rollback", author: "oncall@acme.dev"})
	}
}

// undeployed reports a Worker the options say was never deployed.
func (s *Sim) undeployed(w *worker) bool {
	for _, n := range s.opts.Undeployed {
		if n == w.name {
			return true
		}
	}
	return false
}

// dropDeploy removes a build's pending deployment (it was cancelled).
func (w *worker) dropDeploy(b *build) {
	kept := w.deploys[:0]
	for _, d := range w.deploys {
		if d.build != b {
			kept = append(kept, d)
		}
	}
	w.deploys = kept
}

// outsideDeploys gives some Workers history made outside Builds: a rollback
// to an older build's version, or an upload from a laptop.
func (s *Sim) outsideDeploys(i int, w *worker, now time.Time) {
	if s.undeployed(w) || len(w.deploys) < 2 {
		return
	}
	last := w.deploys[len(w.deploys)-1]
	switch i % 4 {
	case 1: // a rollback to the version before
		prev := w.deploys[len(w.deploys)-2]
		w.deploys = append(w.deploys, &deployment{id: uuid(w.rng), at: last.at.Add(20 * time.Minute),
			versions: []split{{prev.versions[0].versionID, 100}}, source: "dash", message: "Rollback: errors on /login",
			triggeredBy: "rollback", author: "grace@acme.dev", build: prev.build})
	case 2: // an upload from a laptop
		w.deploys = append(w.deploys, &deployment{id: uuid(w.rng), at: last.at.Add(30 * time.Minute),
			versions: []split{{uuid(w.rng), 100}}, source: "wrangler", message: "hotfix from my laptop",
			triggeredBy: "upload", author: "linus@acme.dev"})
	case 3: // a gradual rollout of a laptop version
		w.deploys = append(w.deploys, &deployment{id: uuid(w.rng), at: last.at.Add(10 * time.Minute),
			versions: []split{{uuid(w.rng), 10}, {last.versions[0].versionID, 90}}, source: "wrangler",
			message: "canary", triggeredBy: "deployment", author: "ada@acme.dev", build: nil})
	}
	if l := w.deploys[len(w.deploys)-1]; l.at.After(now) {
		l.at = now.Add(-time.Minute)
	}
}

// DeploySpec is a deployment a test makes.
type DeploySpec struct {
	Worker      string
	Versions    []DeployVersion
	Source      string
	Message     string
	Author      string
	TriggeredBy string
}

// DeployVersion is one version of a DeploySpec: a build's version, or a
// version id made outside Builds (a new one when both are empty).
type DeployVersion struct {
	BuildUUID  string
	VersionID  string
	Percentage float64
}

// Deploy makes a deployment now and returns the version ids it serves.
func (s *Sim) Deploy(sp DeploySpec) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.workerNamed(sp.Worker)
	d := &deployment{id: uuid(w.rng), at: s.clock.Now(), source: sp.Source, message: sp.Message,
		author: sp.Author, triggeredBy: sp.TriggeredBy}
	var ids []string
	for _, v := range sp.Versions {
		id := v.VersionID
		if b, ok := s.builds[v.BuildUUID]; ok {
			id = b.versionID
			if d.build == nil {
				d.build = b
			}
		}
		if id == "" {
			id = uuid(w.rng)
		}
		d.versions = append(d.versions, split{id, v.Percentage})
		ids = append(ids, id)
	}
	w.deploys = append(w.deploys, d)
	return ids
}

// VersionOf is the version a build made ("" if none).
func (s *Sim) VersionOf(buildUUID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.builds[buildUUID]; ok {
		return b.versionID
	}
	return ""
}

// workerNamed is the Worker of that name, else the first.
func (s *Sim) workerNamed(name string) *worker {
	if w := s.findWorker(func(w *worker) bool { return w.name == name }); w != nil {
		return w
	}
	return s.workers[0]
}

func (s *Sim) serveDeployments(w http.ResponseWriter, name string) {
	now := s.lockNow()
	defer s.mu.Unlock()
	wk := s.findWorker(func(x *worker) bool { return x.name == name })
	if wk == nil || wk.gone {
		writeError(w, http.StatusNotFound, 10007, "This Worker does not exist on your account.")
		return
	}
	var visible []*deployment
	for _, d := range wk.deploys {
		if !d.at.After(now) {
			visible = append(visible, d)
		}
	}
	sort.SliceStable(visible, func(i, j int) bool { return visible[i].at.After(visible[j].at) })
	out := make([]map[string]any, 0, len(visible))
	for _, d := range visible {
		vs := make([]map[string]any, len(d.versions))
		for i, v := range d.versions {
			vs[i] = map[string]any{"version_id": v.versionID, "percentage": v.pct}
		}
		out = append(out, map[string]any{
			"id": d.id, "created_on": ts(d.at), "source": d.source, "strategy": "percentage", "versions": vs,
			"annotations":  map[string]any{"workers/message": d.message, "workers/triggered_by": d.triggeredBy},
			"author_email": d.author,
		})
	}
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{"deployments": out}, nil)
}

// DeleteMidRead makes a Worker as one deleted between a client's listing
// and its reading: still listed, its deployments answer 404, code 10007.
func (s *Sim) DeleteMidRead(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.findWorker(func(x *worker) bool { return x.name == name })
	if w == nil {
		return fmt.Errorf("no Worker named %q", name)
	}
	w.gone = true
	return nil
}
