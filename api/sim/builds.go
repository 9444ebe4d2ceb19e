package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// build is a simulated build's plan. Its status and visible log follow from
// the plan and the time; cancel rewrites the plan's end.
type build struct {
	uuid    string
	seq     int // the order it was made in: breaks created_on ties
	worker  *worker
	created time.Time
	initOn  time.Time
	runOn   time.Time
	stopOn  time.Time
	outcome string // what it ends with
	// failKind is where a failed build fails: "build" (the build command),
	// "install", "deploy" or "token" (the build token was rolled).
	failKind string

	source, branch, commit, message, author string
	prURL                                   string
	previewURL                              string // preview_url, when a test sets it (SetPreviewURL)
	versionID                               string

	// The trigger it ran with, and that trigger's settings at the time.
	trigger                      *trigger
	buildCmd, deployCmd, rootDir string
	token                        string // the build token it deployed with

	lines []planLine // offsets from runOn, ascending; all <= stopOn-runOn

	emitted uint8 // the events it has put in queues: 1 started, 2 ended
	// deployMode is how it deploys when it succeeds: "" the whole traffic,
	// "upload" none, "gradual:P" P% beside the version before, "rollback"
	// deployed and rolled back.
	deployMode string
}

type planLine struct {
	at   time.Duration
	text string
}

// useTrigger makes the build run with t's settings as they are now.
func (b *build) useTrigger(t *trigger) {
	b.trigger = t
	b.buildCmd, b.deployCmd, b.rootDir, b.token = t.buildCmd, t.deployCmd, t.rootDir, t.tokenUUID()
}

// state is the build's status and outcome ("" until stopped) at now.
func (b *build) state(now time.Time) (status, outcome string) {
	switch {
	case now.Before(b.initOn):
		return "queued", ""
	case now.Before(b.runOn):
		return "initializing", ""
	case now.Before(b.stopOn):
		return "running", ""
	}
	return "stopped", b.outcome
}

// events is the log page's phase timings as the real API sends them: the
// initializing phase once it has begun (ended_on null until it ends).
func (b *build) events(now time.Time) []map[string]any {
	if now.Before(b.initOn) {
		return []map[string]any{}
	}
	return []map[string]any{{"type": "initializing", "started_on": ts(b.initOn), "ended_on": tsOrNil(b.runOn, !now.Before(b.runOn))}}
}

// visible is the log as written by now.
func (b *build) visible(now time.Time) []planLine {
	if now.Before(b.runOn) {
		return nil
	}
	el := now.Sub(b.runOn)
	// Lines are sorted by offset: find the first not yet written.
	lo, hi := 0, len(b.lines)
	for lo < hi {
		m := (lo + hi) / 2
		if b.lines[m].at <= el {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return b.lines[:lo]
}

// cancel stops the build now: the log ends with the lines already written and
// a line saying it was cancelled.
func (b *build) cancel(now time.Time) {
	at := max(now.Sub(b.runOn), 0)
	if now.Before(b.runOn) {
		b.lines = nil
	} else {
		b.lines = b.visible(now)
	}
	b.lines = append(b.lines[:len(b.lines):len(b.lines)], planLine{at: at, text: "Build was cancelled by user"})
	b.stopOn = now
	if b.runOn.After(now) {
		b.runOn = now
	}
	if b.initOn.After(now) {
		b.initOn = now
	}
	b.outcome = "cancelled"
}

var (
	workerNames = []string{"api-gateway", "auth-service", "image-resizer", "marketing-site", "webhooks", "cron-reports", "edge-cache", "docs", "billing", "search"}
	branches    = []string{"main", "main", "main", "feature/login", "fix/timeout", "renovate/wrangler-3.x", "release/2026.11", "dependabot/npm/hono-4.6"}
	authors     = []string{"ada@acme.dev", "grace@acme.dev", "linus@acme.dev", "margaret@acme.dev", "ken@acme.dev"}
	messages    = []string{
		"Fix race in session refresh\n\nThe refresh token was read twice when two tabs\nwoke up at once.",
		"Add /healthz endpoint",
		"Bump wrangler to 3.90\n\nSigned-off-by: Renovate Bot <bot@renovateapp.com>",
		"Cache images for a week",
		"Refactor routing into modules\n\n- split handlers\n- add tests",
		"Revert \"Cache images for a week\"\n\nThis reverts commit 1a2b3c4.",
		"WIP: try new build command",
		"Handle 日本語 filenames in uploads",
	}
)

func workerName(i int) string {
	if i < len(workerNames) {
		return workerNames[i]
	}
	return fmt.Sprintf("worker-%02d", i)
}

func hex32(rng *rand.Rand) string { return fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()) }

func uuid(rng *rand.Rand) string {
	h := hex32(rng)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// plan makes a build pushed at `at`. live builds take demo-friendly times
// (tens of seconds); history builds are long stopped.
func (s *Sim) plan(w *worker, at time.Time, live bool) *build {
	rng := w.rng
	b := &build{
		uuid:    uuid(rng),
		worker:  w,
		created: at.Truncate(time.Millisecond),
		branch:  branches[rng.IntN(len(branches))],
		author:  authors[rng.IntN(len(authors))],
		message: messages[rng.IntN(len(messages))],
		commit:  hex32(rng)[:20] + hex32(rng)[:20],
		source:  "push",
	}
	if b.branch != "main" && rng.IntN(2) == 0 {
		b.source = "pull_request"
		b.prURL = fmt.Sprintf("https://github.com/%s/pull/%d", w.repo, 100+rng.IntN(900))
	}
	queue := time.Duration(1+rng.IntN(5)) * time.Second
	initFor := time.Duration(2+rng.IntN(3)) * time.Second
	runFor := time.Duration(20+rng.IntN(40)) * time.Second
	switch r := rng.IntN(100); {
	case r < 70:
		b.outcome = "success"
	case r < 85:
		b.outcome = "fail"
	case r < 90:
		b.outcome = "skipped"
		runFor = 3 * time.Second
	case r < 96 && !live:
		b.outcome = "cancelled"
	case !live:
		b.outcome = "terminated"
		runFor = 20 * time.Minute
	default:
		b.outcome = "success"
	}
	b.useTrigger(w.triggerFor(b.branch))
	b.initOn = b.created.Add(queue)
	b.runOn = b.initOn.Add(initFor)
	b.stopOn = b.runOn.Add(runFor)
	if b.outcome == "success" {
		b.versionID = uuid(rng)
	}
	b.lines = s.logPlan(b, rng, runFor)
	return b
}

// logPlan writes a realistic log spread over the running time: clone,
// install with a \r progress bar, a coloured build, wrangler deploy, and
// errors for failed builds.
func (s *Sim) logPlan(b *build, rng *rand.Rand, runFor time.Duration) []planLine {
	var t logText
	// Each phase writes its lines and says whether the build ends in it.
	for _, phase := range []func(*logText, *build, *rand.Rand) bool{clonePhase, installPhase, s.buildPhase, deployPhase} {
		if phase(&t, b, rng) {
			break
		}
	}
	return spread(t, runFor)
}

// logText is a build's log as it is planned, before its times.
type logText []string

func (t *logText) add(f string, a ...any) { *t = append(*t, fmt.Sprintf(f, a...)) }

// clonePhase initialises and clones; a skipped build or a rolled build
// token ends there.
func clonePhase(t *logText, b *build, _ *rand.Rand) bool {
	t.add("Initializing build environment...")
	t.add("Success: Finished initializing build environment")
	t.add("Cloning repository...")
	t.add("From https://github.com/%s", b.worker.repo)
	t.add(" * branch            %s -> FETCH_HEAD", b.commit)
	t.add("HEAD is now at %s %s", b.commit[:7], firstLine(b.message))
	t.add("Success: Finished cloning repository files")
	if b.outcome == "skipped" {
		t.add("No changes in watched paths (src/**, wrangler.toml): skipping build")
		return true
	}
	if b.outcome == "fail" && b.kind() == "token" {
		t.add("Failed: The build token selected for this build has been deleted or rolled. Please update the build token in your Worker's build settings and retry the build.")
		return true
	}
	return false
}

// installPhase restores the cache and installs the dependencies.
func installPhase(t *logText, b *build, rng *rand.Rand) bool {
	// Tool versions change between builds (read from the commit, so the
	// random stream of the rest of the plan stays as it was).
	node, npm, _ := toolVersions(b.commit)
	if len(b.commit) > 3 && b.commit[3]%2 == 0 {
		t.add("Restoring from build cache")
	} else {
		t.add("No build cache found")
	}
	t.add("Detected the following tools from environment: npm@%s, nodejs@%s", npm, node)
	t.add("Installing project dependencies: npm clean-install --progress=false")
	if b.outcome == "fail" && b.kind() == "install" {
		t.add("npm ERR! code ERESOLVE")
		t.add("npm ERR! ERESOLVE unable to resolve dependency tree")
		t.add("npm ERR! Found: react@19.0.0")
		t.add("Failed: error occurred while installing tools or dependencies")
		return true
	}
	t.add("Downloading packages [#####               ] 25%%\rDownloading packages [##########          ] 50%%\rDownloading packages [####################] 100%%")
	t.add("added %d packages, and audited %d packages in %ds", 200+rng.IntN(400), 300+rng.IntN(400), 3+rng.IntN(9))
	t.add("\x1b[1m%d packages\x1b[22m are looking for funding", 20+rng.IntN(80))
	t.add("found \x1b[32m\x1b[1m0\x1b[22m\x1b[39m vulnerabilities")
	return false
}

// buildPhase runs the build command; a failure or the time limit ends it.
func (s *Sim) buildPhase(t *logText, b *build, rng *rand.Rand) bool {
	t.add("Executing user build command: %s", b.buildCmd)
	t.add("")
	t.add("> %s@1.0.0 build", b.worker.name)
	t.add("> vite build")
	t.add("")
	t.add("\x1b[36mvite v5.4.10 \x1b[32mbuilding for production...\x1b[39m")
	t.add("transforming...")
	n := 8 + rng.IntN(20) + s.opts.ExtraLogLines
	for i := range n {
		t.add("\x1b[2mdist/\x1b[22m\x1b[36massets/chunk-%04d.js\x1b[39m  \x1b[1m\x1b[2m%5.2f kB\x1b[22m\x1b[1m\x1b[22m\x1b[2m │ gzip: %5.2f kB\x1b[22m", i, 1+rng.Float64()*40, 0.5+rng.Float64()*10)
	}
	if b.outcome == "fail" && b.kind() == "build" {
		t.add("\x1b[31m✘ [ERROR]\x1b[0m Could not resolve \"./routes/missing\"")
		t.add("")
		t.add("    src/index.ts:4:21:")
		t.add("      4 │ import { legacy } from \"./routes/missing\";")
		t.add("npm ERR! code ELIFECYCLE")
		t.add("npm ERR! errno 1")
		t.add("npm ERR! %s@1.0.0 build: `vite build`", b.worker.name)
		t.add("npm ERR! Exit status 1")
		t.add("Failed: error occurred while running build command")
		t.add("Build failed with exit code 1")
		return true
	}
	if b.outcome == "terminated" {
		t.add("Still building...")
		t.add("Build exceeded the time limit of 20 minutes and was terminated")
		return true
	}
	t.add("\x1b[32m✓ built in %.2fs\x1b[39m", 1+rng.Float64()*5)
	t.add("Success: Build command completed")
	return false
}

// deployPhase runs the deploy command; a cancelled build loses the second
// half of its log.
func deployPhase(t *logText, b *build, rng *rand.Rand) bool {
	_, _, wrangler := toolVersions(b.commit)
	t.add("Executing user deploy command: %s", b.deployCmd)
	t.add("")
	t.add(" ⛅️ wrangler %s", wrangler)
	t.add("-------------------")
	t.add("")
	if b.outcome == "fail" {
		t.add("\x1b[31m✘ [ERROR]\x1b[0m A request to the Cloudflare API (/accounts/%s/workers/scripts/%s) failed.", "0123456789abcdef0123456789abcdef", b.worker.name)
		t.add("  Authentication error [code: 10000]")
		t.add("Failed: error occurred while running deploy command")
		return true
	}
	t.add("Total Upload: %.2f KiB / gzip: %.2f KiB", 40+rng.Float64()*300, 10+rng.Float64()*60)
	t.add("Uploaded %s (%.2f sec)", b.worker.name, 1+rng.Float64()*3)
	t.add("Deployed %s triggers (%.2f sec)", b.worker.name, 0.2+rng.Float64())
	t.add("  https://%s.acme.workers.dev", b.worker.name)
	t.add("Current Version ID: %s", b.versionID)
	t.add("Success: Your Worker was deployed")
	if b.outcome == "cancelled" {
		*t = append((*t)[:len(*t)/2], "Build was cancelled by user")
	}
	return true
}

// kind is where a failed build fails: its failKind, else one of four picked
// from its commit.
func (b *build) kind() string {
	if b.failKind != "" {
		return b.failKind
	}
	kinds := []string{"build", "build", "install", "deploy", "token", "build"}
	if b.commit == "" {
		return "build"
	}
	return kinds[int(b.commit[len(b.commit)-1])%len(kinds)]
}

// toolVersions are the Node, npm and wrangler versions a build detects,
// picked from its commit: they change from build to build.
func toolVersions(commit string) (node, npm, wrangler string) {
	if len(commit) < 3 {
		return "22.9.0", "10.8.2", "3.90.0"
	}
	nodes := []string{"20.18.0", "22.9.0", "22.11.0"}
	npms := []string{"10.8.2", "10.9.0"}
	wranglers := []string{"3.90.0", "3.91.1", "3.95.0", "3.99.0"}
	return nodes[int(commit[0])%len(nodes)], npms[int(commit[1])%len(npms)], wranglers[int(commit[2])%len(wranglers)]
}

// spread places lines over the run, the last one at its very end.
func spread(texts []string, runFor time.Duration) []planLine {
	out := make([]planLine, len(texts))
	for i, t := range texts {
		out[i] = planLine{at: runFor * time.Duration(i+1) / time.Duration(len(texts)), text: t}
	}
	return out
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
