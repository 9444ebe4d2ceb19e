package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// trigger is a Worker's build trigger: what a push or a manual build runs
// with. A build copies the commands it ran with; the trigger can change
// afterwards (UpdateTrigger), as it can in Cloudflare's dashboard.
type trigger struct {
	uuid, name                     string
	buildCmd, deployCmd, rootDir   string
	branchIncludes, branchExcludes []string
	pathIncludes, pathExcludes     []string
	caching                        bool
	token                          string // its build token's uuid ("" the account's one)
	created, modified              time.Time
	purges                         int
}

// The one build token every simulated trigger deploys with.
const (
	buildTokenUUID = "6c0bc8ce-1c3b-4d1b-9a3e-2f6b8a1c0d11"
	buildTokenName = "Workers Builds token"
	buildTokenCFID = "4f7e9a0c2b1d3e5f6a7b8c9d0e1f2a3b"
)

// newTriggers gives a Worker its production trigger (main) and, for every
// other Worker, a preview trigger (every branch but main). Ids derive from
// the tag, so adding triggers draws nothing from the Worker's random source.
func newTriggers(i int, w *worker) []*trigger {
	prod := &trigger{
		uuid: "0f7d3c2e-" + w.tag[:4] + "-4b5a-9c8d-" + w.tag[20:32], name: "Deploy " + w.name,
		buildCmd: "npm run build", deployCmd: "npx wrangler deploy", rootDir: "/",
		branchIncludes: []string{"main"}, branchExcludes: []string{},
		pathIncludes: []string{"*"}, pathExcludes: []string{},
		caching: true, created: w.created, modified: w.created,
	}
	if i%2 == 1 {
		return []*trigger{prod}
	}
	preview := *prod
	preview.uuid = "1e8c4d3f-" + w.tag[4:8] + "-4c6b-8d9e-" + w.tag[20:32]
	preview.name = "Preview " + w.name
	preview.branchIncludes, preview.branchExcludes = []string{"*"}, []string{"main"}
	return []*trigger{prod, &preview}
}

// triggerFor is the trigger a push of branch runs.
func (w *worker) triggerFor(branch string) *trigger {
	if branch != "main" && len(w.triggers) > 1 {
		return w.triggers[1]
	}
	return w.triggers[0]
}

// tokenUUID is the build token the trigger deploys with.
func (t *trigger) tokenUUID() string {
	if t.token != "" {
		return t.token
	}
	return buildTokenUUID
}

// triggerJSON writes a trigger as a build embeds it; the triggers endpoint
// adds the build token (withToken).
func triggerJSON(t *trigger, w *worker, withToken bool) map[string]any {
	out := map[string]any{
		"trigger_uuid":          t.uuid,
		"external_script_id":    w.tag,
		"trigger_name":          t.name,
		"build_command":         t.buildCmd,
		"deploy_command":        t.deployCmd,
		"root_directory":        t.rootDir,
		"branch_includes":       t.branchIncludes,
		"branch_excludes":       t.branchExcludes,
		"path_includes":         t.pathIncludes,
		"path_excludes":         t.pathExcludes,
		"build_caching_enabled": t.caching,
		"created_on":            ts(t.created),
		"modified_on":           ts(t.modified),
		"deleted_on":            nil,
		"repo_connection": map[string]any{
			"repo_connection_uuid":  "5a0e7b6c-2d1f-4e3a-8b9c-" + w.tag[:12],
			"repo_id":               strconv.Itoa(int(w.tag[0]) * 1000),
			"repo_name":             repoName(w),
			"provider_type":         "github",
			"provider_account_id":   "4242",
			"provider_account_name": repoOwner(w),
			"grant_id":              nil,
			"created_on":            ts(w.created),
			"modified_on":           ts(w.created),
			"deleted_on":            nil,
		},
	}
	if withToken {
		out["build_token_uuid"] = t.tokenUUID()
		out["build_token_name"] = buildTokenName
	}
	return out
}

func (s *Sim) serveTriggers(w http.ResponseWriter, tag string) {
	s.lockNow()
	defer s.mu.Unlock()
	wk := s.findWorker(func(x *worker) bool { return x.tag == tag })
	if wk == nil {
		writeError(w, http.StatusNotFound, 12000, "Worker not found")
		return
	}
	out := make([]map[string]any, 0, len(wk.triggers))
	for _, t := range wk.triggers {
		out = append(out, triggerJSON(t, wk, true))
	}
	writeEnvelope(w, http.StatusOK, true, nil, out, nil)
}

// findTrigger is the trigger with that uuid and its Worker. Called under s.mu.
func (s *Sim) findTrigger(id string) (*trigger, *worker) {
	for _, w := range s.workers {
		for _, t := range w.triggers {
			if t.uuid == id {
				return t, w
			}
		}
	}
	return nil, nil
}

// serveManualBuild starts a build of a trigger: {"branch"} or
// {"commit_hash"} (or both), as the API takes; an empty body is 400/12002.
// hasBranch reports whether the Worker's repository has the branch: main,
// or one its builds were made from. Called under s.mu.
func (s *Sim) hasBranch(w *worker, branch string) bool {
	if branch == "main" {
		return true
	}
	for _, b := range w.builds {
		if b.branch == branch {
			return true
		}
	}
	return false
}

func (s *Sim) serveManualBuild(w http.ResponseWriter, r *http.Request, id string) {
	var req struct {
		Branch     string `json:"branch"`
		CommitHash string `json:"commit_hash"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if json.Unmarshal(body, &req) != nil || req.Branch == "" && req.CommitHash == "" {
		writeError(w, http.StatusBadRequest, 12002, "Invalid request body")
		return
	}
	now := s.lockNow()
	defer s.mu.Unlock()
	t, wk := s.findTrigger(id)
	if t == nil {
		writeError(w, http.StatusNotFound, 12000, "Trigger not found")
		return
	}
	b := s.plan(wk, now, true)
	b.source = "manual"
	b.prURL = ""
	b.branch = req.Branch
	if b.branch == "" {
		b.branch = s.branchOf(wk, req.CommitHash)
	}
	if req.CommitHash != "" {
		b.commit = req.CommitHash
		if m := s.messageOf(wk, req.CommitHash); m != "" {
			b.message = m
		}
	}
	b.useTrigger(t)
	if req.Branch != "" && !s.hasBranch(wk, req.Branch) {
		// Cloudflare takes the request and the build fails cloning: the
		// repository has no such branch (#37.12).
		b.outcome, b.failKind, b.versionID = "fail", "clone", ""
		b.stopOn = b.runOn.Add(4 * time.Second)
		b.lines = spread([]string{"Cloning repository...",
			"fatal: couldn't find remote ref refs/heads/" + req.Branch,
			"Failed: error occurred while cloning the repository"}, 3*time.Second)
	}
	s.manual++
	s.addBuild(wk, b)
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{"build_uuid": b.uuid, "created_on": ts(b.created)}, nil)
}

// branchOf is the branch a commit was last built from, else the default.
func (s *Sim) branchOf(w *worker, commit string) string {
	for i := len(w.builds) - 1; i >= 0; i-- {
		if w.builds[i].commit == commit {
			return w.builds[i].branch
		}
	}
	return "main"
}

func (s *Sim) messageOf(w *worker, commit string) string {
	for i := len(w.builds) - 1; i >= 0; i-- {
		if w.builds[i].commit == commit {
			return w.builds[i].message
		}
	}
	return ""
}

func (s *Sim) servePurge(w http.ResponseWriter, id string) {
	s.lockNow()
	defer s.mu.Unlock()
	t, _ := s.findTrigger(id)
	if t == nil {
		writeError(w, http.StatusNotFound, 12000, "Trigger not found")
		return
	}
	t.purges++
	writeEnvelope(w, http.StatusOK, true, nil, nil, nil)
}

func (s *Sim) serveTokens(w http.ResponseWriter) {
	out := []map[string]any{{
		"build_token_uuid": buildTokenUUID, "owner_type": "user",
		"build_token_name": buildTokenName, "cloudflare_token_id": buildTokenCFID,
	}}
	writeEnvelope(w, http.StatusOK, true, nil, out, map[string]any{
		"next_page": false, "page": 1, "per_page": 50, "count": 1, "total_count": 1, "total_pages": 1,
	})
}

func (s *Sim) serveLimits(w http.ResponseWriter) {
	now := s.lockNow()
	reached := s.minutesReached
	s.mu.Unlock()
	refresh := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{
		"build_minutes_refresh_on": ts(refresh), "has_reached_build_minutes_limit": reached,
	}, nil)
}

// TriggerInfo is a simulated trigger as tests see it.
type TriggerInfo struct {
	UUID, Name, BuildCommand string
	Purges                   int
}

// Triggers lists a Worker's triggers.
func (s *Sim) Triggers(worker string) []TriggerInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TriggerInfo
	for _, t := range s.workerNamed(worker).triggers {
		out = append(out, TriggerInfo{UUID: t.uuid, Name: t.name, BuildCommand: t.buildCmd, Purges: t.purges})
	}
	return out
}

// UpdateTrigger changes the build command of a Worker's production trigger,
// as a user editing build settings does: builds made before keep the
// command they ran with.
func (s *Sim) UpdateTrigger(workerName, buildCommand string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.findWorker(func(x *worker) bool { return x.name == workerName })
	if w == nil {
		return fmt.Errorf("no Worker %q", workerName)
	}
	w.triggers[0].buildCmd = buildCommand
	w.triggers[0].modified = s.clock.Now()
	return nil
}

// repoOwner and repoName split a Worker's repository ("acme/docs").
func repoOwner(w *worker) string { o, _, _ := strings.Cut(w.repo, "/"); return o }

func repoName(w *worker) string {
	if _, n, ok := strings.Cut(w.repo, "/"); ok {
		return n
	}
	return w.repo
}

// PushSpec is a push of one commit that builds on several Workers.
type PushSpec struct {
	Repo    string // owner/name: the Workers' triggers are connected to it
	Branch  string
	Commit  string
	Message string
	Files   []string // changed files, for the triggers' path filters
	// Workers build the push (their triggers take it), each starting after
	// its delay (0: at once); a Worker's PathIncludes makes it skip a push
	// whose files none of them match.
	Workers      map[string]time.Duration
	PathIncludes map[string][]string
	Outcome      map[string]string // a Worker's outcome (default success; fail, fail:install, fail:deploy, fail:token, terminated)
	// Deploy is how a Worker's successful build deploys: "" the whole
	// traffic, "upload" (a version only), "gradual:50", "rollback" (rolled
	// back as it stops), "rollback-after:2s" (live, then rolled back).
	Deploy map[string]string
	// Duration is how long each build runs, queue included (default: a
	// realistic 25 to 65 s).
	Duration time.Duration
}

// pushLog is a pushed build's short log as its outcome writes it: a
// failure fails in its phase, with that phase's first error, as real logs
// do (logs --failed finds it).
func pushLog(b *build, name string) []string {
	texts := []string{"Cloning repository..."}
	switch {
	case b.outcome == "fail" && b.failKind == "install":
		return append(texts, "Installing project dependencies: npm ci", "npm ERR! code ERESOLVE",
			"npm ERR! ERESOLVE unable to resolve dependency tree", "Failed: error occurred while installing tools or dependencies")
	case b.outcome == "fail" && b.failKind == "build":
		return append(texts, "Executing user build command: "+b.buildCmd, `✘ [ERROR] Could not resolve "./routes/missing"`,
			"Failed: error occurred while running build command")
	case b.outcome == "terminated":
		return append(texts, "Executing user build command: "+b.buildCmd, "Build terminated: it ran past the time limit")
	}
	texts = append(texts, "Executing user build command: "+b.buildCmd, "Success: Build command completed", "Executing user deploy command: "+b.deployCmd)
	switch {
	case b.outcome == "fail" && b.failKind == "token":
		return append(texts, "✘ [ERROR] Authentication error [code: 10000]: the build token was deleted or lacks permission",
			"Failed: error occurred while running deploy command")
	case b.outcome == "fail":
		return append(texts, "✘ [ERROR] A request to the Cloudflare API failed: deploy refused",
			"Failed: error occurred while running deploy command")
	}
	return append(texts, "Uploaded "+name+" (1.00 sec)", "Current Version ID: "+b.versionID)
}

// Push connects the Workers to the repository (with their path filters) and
// creates their builds of the commit, late ones later. A Worker whose path
// filter takes none of the files gets no build, as Cloudflare does.
func (s *Sim) Push(p PushSpec) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	out := map[string]string{}
	for name, delay := range p.Workers {
		w := s.workerNamed(name)
		w.repo = p.Repo
		if inc, ok := p.PathIncludes[name]; ok {
			for _, t := range w.triggers {
				t.pathIncludes = inc
			}
			if !pathsMatch(inc, p.Files) {
				continue
			}
		}
		b := s.plan(w, now.Add(delay), true)
		b.branch, b.commit, b.source, b.prURL = p.Branch, p.Commit, "push", ""
		if p.Message != "" {
			b.message = p.Message
		}
		b.outcome = "success"
		if o := p.Outcome[name]; o != "" {
			// "fail:install", "fail:deploy", "fail:token": where it fails.
			b.outcome, b.failKind, _ = strings.Cut(o, ":")
			if b.outcome == "fail" && b.failKind == "" {
				b.failKind = "build"
			}
		}
		// The log as this outcome writes it.
		b.lines = s.logPlan(b, w.rng, b.stopOn.Sub(b.runOn))
		switch {
		case b.outcome != "success":
			b.versionID = ""
		case b.versionID == "":
			b.versionID = uuid(w.rng)
		}
		b.useTrigger(w.triggerFor(b.branch))
		b.deployMode = p.Deploy[name]
		if p.Duration > 0 {
			// Queued and initializing for a fifth and a twentieth of it, at
			// most a few seconds: a long build runs soon, as real ones do.
			b.initOn = b.created.Add(min(p.Duration/5, 2*time.Second))
			b.runOn = b.initOn.Add(min(p.Duration/20, 2*time.Second))
			b.stopOn = b.created.Add(p.Duration)
			b.lines = spread(pushLog(b, name), p.Duration*3/4)
		}
		out[name] = b.uuid
		if delay > 0 {
			s.pending = append(s.pending, pendingBuild{w: w, b: b}) // shows at its time
			continue
		}
		s.addBuild(w, b)
	}
	return out
}

// pendingBuild is a pushed build that starts late.
type pendingBuild struct {
	w *worker
	b *build
}

// addPending adds the pushed builds whose time has come. Called under s.mu.
func (s *Sim) addPending(now time.Time) {
	kept := s.pending[:0]
	for _, p := range s.pending {
		if now.Before(p.b.created) {
			kept = append(kept, p)
			continue
		}
		s.addBuild(p.w, p.b)
	}
	s.pending = kept
}

func pathsMatch(includes, files []string) bool {
	for _, f := range files {
		for _, inc := range includes {
			if ok, _ := path.Match(inc, f); ok || strings.HasPrefix(f, strings.TrimSuffix(inc, "*")) && strings.HasSuffix(inc, "*") {
				return true
			}
		}
	}
	return false
}

// servePush is the simulator's own hook for trying watch --commit: POST
// /__sim/push with the simulator's token and a JSON push:
//
//	{"repo": "acme/monorepo", "branch": "main", "commit": "<sha>",
//	 "files": ["apps/web/index.ts"], "workers": {"api-gateway": 0, "docs": 20},
//	 "path_includes": {"docs": ["docs/*"]}, "outcome": {"docs": "fail"},
//	 "deploy": {"api-gateway": "gradual:50", "docs": "upload"}}
//
// (workers: each Worker's delay in seconds). It answers the builds made.
func (s *Sim) servePush(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || s.scope(r) != scopeWrite {
		writeError(w, http.StatusForbidden, 10000, "POST with the simulator's token")
		return
	}
	var req struct {
		Repo, Branch, Commit, Message string
		Files                         []string
		Workers                       map[string]float64
		PathIncludes                  map[string][]string `json:"path_includes"`
		Outcome                       map[string]string
		Deploy                        map[string]string
		Duration                      float64
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if json.Unmarshal(body, &req) != nil || req.Repo == "" || req.Commit == "" || len(req.Workers) == 0 {
		writeError(w, http.StatusBadRequest, 12002, "want {repo, commit, workers: {name: delay seconds}}")
		return
	}
	p := PushSpec{Repo: req.Repo, Branch: req.Branch, Commit: req.Commit, Message: req.Message, Files: req.Files,
		Workers: map[string]time.Duration{}, PathIncludes: req.PathIncludes, Outcome: req.Outcome, Deploy: req.Deploy,
		Duration: time.Duration(req.Duration * float64(time.Second))}
	for name, delay := range req.Workers {
		if s.findWorkerLocked(name) == nil {
			writeError(w, http.StatusNotFound, 12000, "no Worker "+name)
			return
		}
		p.Workers[name] = time.Duration(delay * float64(time.Second))
	}
	writeEnvelope(w, http.StatusOK, true, nil, s.Push(p), nil)
}

func (s *Sim) findWorkerLocked(name string) *worker {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.findWorker(func(x *worker) bool { return x.name == name })
}
