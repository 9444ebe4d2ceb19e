package sim

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The problems `cfbuilds doctor` looks for, made on purpose (Break), so its
// checks meet them over real HTTP and `cfbuilds sim --break` can show them.
const (
	// ProblemToken: the production trigger's build token was rolled or
	// deleted; the Worker's latest build failed on it.
	ProblemToken = "token"
	// ProblemPages: the deploy command is a Pages one on a Worker.
	ProblemPages = "pages"
	// ProblemBranch: the production trigger excludes the branch it includes
	// (main): pushes to it build nothing.
	ProblemBranch = "branch"
	// ProblemUpload: the production trigger only uploads a version (nothing goes live).
	ProblemUpload = "upload"
	// ProblemCache: build caching is off.
	ProblemCache = "cache"
	// ProblemPaths: path filters that can never match (every path excluded).
	ProblemPaths = "paths"
)

// Problems lists the problems Break knows.
func Problems() []string {
	return []string{ProblemToken, ProblemPages, ProblemBranch, ProblemUpload, ProblemCache, ProblemPaths}
}

// rolledTokenUUID is a build token no longer in the account's list.
const rolledTokenUUID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"

// Break gives a Worker's production trigger one of Problems().
func (s *Sim) Break(workerName, problem string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.findWorker(func(x *worker) bool { return x.name == workerName })
	if w == nil {
		return fmt.Errorf("no Worker named %q", workerName)
	}
	t := w.triggers[0]
	t.modified = s.clock.Now()
	switch problem {
	case ProblemToken:
		t.token = rolledTokenUUID
		// A build of main ran since: it failed on the token, seconds in.
		b := s.plan(w, s.clock.Now().Add(-time.Minute), false)
		b.branch, b.outcome, b.failKind, b.versionID = "main", "fail", "token", ""
		b.useTrigger(t)
		b.initOn, b.runOn = b.created.Add(2*time.Second), b.created.Add(5*time.Second)
		b.stopOn = b.runOn.Add(5 * time.Second)
		b.lines = s.logPlan(b, w.rng, 5*time.Second)
		s.addBuild(w, b)
	case ProblemPages:
		t.deployCmd = "npx wrangler pages deploy dist"
	case ProblemBranch:
		t.branchExcludes = []string{"main"}
	case ProblemUpload:
		t.deployCmd = "npx wrangler versions upload"
	case ProblemCache:
		t.caching = false
	case ProblemPaths:
		t.pathExcludes = []string{"*"}
	default:
		return fmt.Errorf("no problem %q (problems: %s)", problem, strings.Join(Problems(), ", "))
	}
	return nil
}

// SetProductionBranch makes a Worker's production trigger build branch
// (master, production) instead of main, as many repositories do.
func (s *Sim) SetProductionBranch(workerName, branch string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.findWorker(func(x *worker) bool { return x.name == workerName })
	if w == nil {
		return fmt.Errorf("no Worker named %q", workerName)
	}
	w.triggers[0].branchIncludes = []string{branch}
	if len(w.triggers) > 1 {
		w.triggers[1].branchExcludes = []string{branch}
	}
	return nil
}

// SetBuildMinutesReached makes the account's build-minutes limit reached.
func (s *Sim) SetBuildMinutesReached(reached bool) {
	s.mu.Lock()
	s.minutesReached = reached
	s.mu.Unlock()
}

// ParseBreaks reads `--break worker=problem,worker=problem` into a map,
// sorted by Worker for a stable order.
func ParseBreaks(spec string) ([][2]string, error) {
	var out [][2]string
	for _, part := range strings.Split(spec, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		w, p, ok := strings.Cut(part, "=")
		if !ok || w == "" || p == "" {
			return nil, fmt.Errorf("%q is not WORKER=PROBLEM (problems: %s)", part, strings.Join(Problems(), ", "))
		}
		out = append(out, [2]string{w, p})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out, nil
}
