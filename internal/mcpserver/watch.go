package mcpserver

// The waits: a build, or every build of a push. They return when the
// builds stop or the timeout passes, send progress while they wait (when
// the client gave a token), and end when the client cancels.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cfbuilds/cfbuilds/model"
)

// A wait answers within defaultWait unless asked for longer: clients time
// a request out after 60 s by default (the official TypeScript SDK does),
// so an agent gets "still running, call again" with the state so far
// instead of a timeout.
const (
	defaultWait = 45 * time.Second
	maxWait     = time.Hour
)

func waitFor(seconds int) time.Duration {
	if seconds <= 0 {
		return defaultWait
	}
	return min(time.Duration(seconds)*time.Second, maxWait)
}

type watchIn struct {
	BuildUUID      string `json:"build_uuid"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty" jsonschema:"answer after at most this many seconds (default 45, at most 3600); call again while it runs"`
}

type watchOut struct {
	Build
	Stopped    bool     `json:"stopped" jsonschema:"false when the timeout passed first"`
	Outcome    string   `json:"outcome,omitempty"`
	FirstError string   `json:"first_error,omitempty"`
	Hint       string   `json:"hint,omitempty"`
	LogTail    []string `json:"log_tail,omitempty" jsonschema:"the last 20 lines of the log"`
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) watchBuild(ctx context.Context, req *mcp.CallToolRequest, in watchIn) (*mcp.CallToolResult, watchOut, error) {
	if err := checkUUID(in.BuildUUID); err != nil {
		return nil, watchOut{}, err
	}
	wait := waitFor(in.TimeoutSeconds)
	start := time.Now()
	_, names, _ := s.workerNames(ctx)
	for {
		b, err := s.o.Source.Build(ctx, in.BuildUUID)
		if err != nil {
			return nil, watchOut{}, err
		}
		out := watchOut{Build: buildOf(b, names, time.Now())}
		if b.Finished() {
			out.Stopped, out.Outcome = true, string(b.Outcome)
			if lines, err := s.plainLog(ctx, b.UUID); err == nil {
				out.LogTail = lines[max(len(lines)-20, 0):]
				if !b.Outcome.OK() {
					f := model.FailureOf(func(i int) string { return lines[i] }, len(lines))
					out.FirstError, out.Hint = clip(f.Text, maxLineBytes), f.Hint
				}
			}
			return nil, out, nil
		}
		elapsed := time.Since(start)
		if elapsed >= wait {
			return nil, out, nil // not stopped: the agent may ask again
		}
		s.progress(ctx, req, elapsed.Seconds(), wait.Seconds(), fmt.Sprintf("%s, %s so far", b.State(), model.FormatDuration(b.Duration(time.Now()))))
		if err := sleep(ctx, s.o.Poll); err != nil {
			return nil, out, err
		}
	}
}

type commitIn struct {
	Commit         string  `json:"commit" jsonschema:"the pushed commit's SHA (or a prefix of it, at least 7 hex digits)"`
	Repo           string  `json:"repo,omitempty" jsonschema:"owner/name of the repository; default: the repository of the commit's builds"`
	Branch         string  `json:"branch,omitempty" jsonschema:"the pushed branch, for the triggers' branch filters"`
	TimeoutSeconds int     `json:"timeout_seconds,omitempty" jsonschema:"answer after at most this many seconds (default 45, at most 3600); call again while the verdict is running"`
	Live           bool    `json:"live,omitempty" jsonschema:"also wait until every Worker serves the version its build made (verdict live or not live)"`
	LivePercent    float64 `json:"live_percent,omitempty" jsonschema:"with live, the share of traffic that counts as live (default 100)"`
}

type workerVerdict struct {
	Worker     string  `json:"worker"`
	State      string  `json:"state" jsonschema:"expected (not started yet), a build state, or skipped by filters"`
	BuildUUID  string  `json:"build_uuid,omitempty"`
	FirstError string  `json:"first_error,omitempty"`
	Deployment string  `json:"deployment,omitempty" jsonschema:"with live, for a succeeded build: checking, uploaded, gradual, live, superseded (a newer build of its branch serves: done) or gone (the Worker was deleted)"`
	Percent    float64 `json:"live_percent,omitempty" jsonschema:"with live: the traffic its version serves"`
	Detail     string  `json:"detail,omitempty" jsonschema:"with live: not deployed, rolled back to ..., superseded by ..., replaced by ..."`
}

type commitOut struct {
	Verdict  string          `json:"verdict" jsonschema:"succeeded, failed, running (the wait ended first: call again) or nothing builds it (no Worker expected and no build of the commit seen within the wait: never a pass; reason says why); with live: live or not live instead of succeeded"`
	Reason   string          `json:"reason,omitempty" jsonschema:"why nothing is expected: triggers unread, a branch no trigger takes, no Worker of that repository"`
	Summary  string          `json:"summary"`
	Expected int             `json:"expected"`
	Started  int             `json:"started"`
	Workers  []workerVerdict `json:"workers"`
	Notes    []string        `json:"notes,omitempty" jsonschema:"what could not be read while planning, and where an event and the API disagreed"`
}

// watchCommit follows every build of a push with the CLI's push plan
// (model.PlanPushFrom): the Workers whose triggers take it, whether or not
// they built before, and any Worker seen building the commit. As the CLI
// does: nothing expected is not an answer until the wait ends (builds
// start late); with live, every Worker is read again before "live".
func (s *Server) watchCommit(ctx context.Context, req *mcp.CallToolRequest, in commitIn) (*mcp.CallToolResult, commitOut, error) {
	if err := checkCommit(in.Commit); err != nil {
		return nil, commitOut{}, err
	}
	if err := checkText("repo", in.Repo, 200); err != nil {
		return nil, commitOut{}, err
	}
	if err := checkText("branch", in.Branch, 255); err != nil {
		return nil, commitOut{}, err
	}
	branch := in.Branch
	if branch == "HEAD" {
		branch = "" // a detached checkout: any branch
	}
	push := model.Push{Commit: strings.ToLower(in.Commit), Repo: strings.TrimSpace(in.Repo), Branch: branch}
	wait, start := waitFor(in.TimeoutSeconds), time.Now()
	// The bound holds from the start, planning included.
	planCtx, cancelPlan := model.Within(ctx, wait)
	pw, workers, err := model.PlanPushFrom(planCtx, s.o.Source, s.triggers(), push)
	cancelPlan()
	if err != nil {
		if ctx.Err() == nil && planCtx.Err() != nil {
			return nil, commitOut{Verdict: string(model.PushRunning), Workers: []workerVerdict{},
				Summary: "reading the account's Workers and latest builds took the whole wait: call again"}, nil
		}
		return nil, commitOut{}, err
	}
	percent := in.LivePercent
	if percent <= 0 {
		percent = 100
	}
	var after uint64
	lastStep := -1
	for {
		rctx, cancel := model.Within(ctx, max(wait-time.Since(start), 0)+time.Second)
		verdict, err := s.commitRound(rctx, pw, workers, &after, in.Live, percent)
		cut := rctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case cut:
			verdict = model.PushRunning // the wait is over: what is known so far
		case err != nil:
			return nil, commitOut{}, err
		}
		waited := cut || time.Since(start) >= wait
		final := func() bool {
			return verdict == model.PushSucceeded || verdict == model.PushFailed || verdict == model.PushLive ||
				verdict == model.PushNotLive && pw.LiveSettled(percent)
		}
		if in.Live && (final() || waited) && (verdict == model.PushLive || verdict == model.PushNotLive) {
			// Live once is not live: every Worker read again first.
			cctx, cancel := model.Within(ctx, 10*time.Second)
			verdict, err = pw.ConfirmLive(cctx, s.o.Source, percent)
			cancel()
			if err != nil && ctx.Err() != nil {
				return nil, commitOut{}, err
			} // else: a Worker not read again is not live, and the answer says so
		}
		if final() || waited {
			if verdict == model.PushNothing && pw.Push.Repo == "" {
				verdict = model.PushRunning // no build of the commit seen yet: call again
			}
			return nil, s.commitAnswer(ctx, pw, verdict, in.Live, percent), nil
		}
		if step, total, msg := commitProgress(pw, in.Live, percent); step != lastStep {
			lastStep = step
			s.progress(ctx, req, float64(step), float64(total), msg)
		}
		if err := sleep(ctx, s.o.Poll); err != nil {
			return nil, commitOut{}, err
		}
	}
}

// commitRound reads what moved (events, builds, deployments) and returns
// the verdict; before a verdict other than running it looks once more
// across the account for builds of the commit.
func (s *Server) commitRound(ctx context.Context, pw *model.PushWatch, workers []model.Worker, after *uint64, live bool, percent float64) (model.PushVerdict, error) {
	if pw.Pending() > 0 {
		// A round's share of the never-built Workers' triggers, within the
		// round's time.
		rctx, cancel := model.Within(ctx, max(s.o.Poll, time.Second))
		_, err := pw.ReadPending(rctx, 20)
		cancel()
		if err != nil && ctx.Err() == nil && rctx.Err() == nil {
			return "", err
		}
	}
	for {
		if err := pw.Replan(ctx, s.o.Source, workers); err != nil {
			return "", err
		}
		if s.o.Events != nil {
			b := s.o.Events.Since(*after)
			*after = b.Next
			pw.ObserveEvents(b.Events, workers)
		}
		if err := pw.Refresh(ctx, s.o.Source); err != nil {
			return "", err
		}
		verdict := pw.Verdict()
		if live {
			if err := pw.RefreshLive(ctx, s.o.Source, percent); err != nil {
				return "", err
			}
			verdict = pw.LiveVerdict(percent)
		}
		if verdict != model.PushRunning && verdict != model.PushNotLive {
			if added, err := pw.Sweep(ctx, s.o.Source, workers); err == nil && added > 0 {
				continue
			}
		}
		return verdict, nil
	}
}

// commitProgress is how far the push is: a step per build ended, and with
// live a step per Worker serving; progress is sent only when it moves (the
// spec wants it to increase).
func commitProgress(pw *model.PushWatch, live bool, percent float64) (step, total int, msg string) {
	t := pw.Tally()
	step, total = t.Done, t.Expected
	msg = fmt.Sprintf("%d of %d builds ended", t.Done, t.Expected)
	if t.Expected == 0 {
		msg = "no build of the commit seen yet"
	}
	if live {
		n := 0
		for _, wl := range pw.LiveStates(percent) {
			if wl.State == model.LiveLive || wl.State == model.LiveSuperseded {
				n++
			}
		}
		step, total = step+n, total*2
		msg += fmt.Sprintf(", %d of %d Workers live", n, t.Expected)
	}
	return step, total, msg
}

// commitAnswer is the push's verdict, a line per Worker: the first error
// of each failed build, the Workers skipped by their filters last.
func (s *Server) commitAnswer(ctx context.Context, pw *model.PushWatch, verdict model.PushVerdict, live bool, percent float64) commitOut {
	t := pw.Tally()
	out := commitOut{Verdict: string(verdict), Expected: t.Expected, Started: t.Started, Workers: []workerVerdict{}, Summary: pw.Summary(),
		Reason: pw.NothingReason()}
	states := map[string]model.WorkerLive{}
	if live {
		out.Summary = pw.LiveSummary(percent, maxLineBytes)
		for _, wl := range pw.LiveStates(percent) {
			states[wl.Worker.Tag] = wl
		}
	}
	for _, n := range pw.Notes {
		out.Notes = append(out.Notes, clip(n, maxLineBytes))
	}
	if verdict == model.PushRunning && t.Expected == 0 {
		out.Notes = append(out.Notes, "no build of the commit seen yet: builds can start late; call again")
	}
	for _, w := range pw.Plan.Expected {
		v := workerVerdict{Worker: clip(w.Name, 100), State: pw.WorkerState(w)}
		if wl, ok := states[w.Tag]; ok && wl.Build.Finished() && wl.Build.Outcome.OK() {
			v.Deployment, v.Percent, v.Detail = string(wl.State), wl.Percentage, wl.Detail
		}
		if b, ok := pw.BuildOf(w.Tag); ok {
			v.BuildUUID = b.UUID
			if b.Finished() && !b.Outcome.OK() {
				if lines, err := s.plainLog(ctx, b.UUID); err == nil {
					v.FirstError = clip(model.FailureOf(func(i int) string { return lines[i] }, len(lines)).Text, maxLineBytes)
				}
			}
		}
		out.Workers = append(out.Workers, v)
	}
	for _, name := range pw.Plan.Skipped {
		out.Workers = append(out.Workers, workerVerdict{Worker: clip(name, 100), State: "skipped by filters"})
	}
	return out
}

// triggers is how the push plan reads triggers: the cache the command
// gave, else the source.
func (s *Server) triggers() model.TriggerReader {
	if s.o.Triggers != nil {
		return s.o.Triggers
	}
	return s.o.Source.Triggers
}
