package mcpserver

// The waits: a build, or every build of a push. They return when the
// builds stop or the timeout passes, send progress while they wait (when
// the client gave a token), and end when the client cancels.

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cfbuilds/cfbuilds/model"
)

const (
	defaultWait = 10 * time.Minute
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
	TimeoutSeconds int    `json:"timeout_seconds,omitempty" jsonschema:"give up after this many seconds (default 600, at most 3600)"`
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
	Commit         string `json:"commit" jsonschema:"the pushed commit's SHA (or a prefix of it)"`
	Repo           string `json:"repo,omitempty" jsonschema:"owner/name of the repository; default: any repository connected to a Worker"`
	Branch         string `json:"branch,omitempty" jsonschema:"the pushed branch, for the triggers' branch filters"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty" jsonschema:"give up after this many seconds (default 600, at most 3600)"`
}

type workerVerdict struct {
	Worker     string `json:"worker"`
	State      string `json:"state" jsonschema:"expected (not started yet), a build state, or skipped by filters"`
	BuildUUID  string `json:"build_uuid,omitempty"`
	FirstError string `json:"first_error,omitempty"`
}

type commitOut struct {
	Verdict  string          `json:"verdict" jsonschema:"succeeded, failed, still running (the timeout passed) or nothing builds it"`
	Expected int             `json:"expected"`
	Started  int             `json:"started"`
	Workers  []workerVerdict `json:"workers"`
}

func (s *Server) watchCommit(ctx context.Context, req *mcp.CallToolRequest, in commitIn) (*mcp.CallToolResult, commitOut, error) {
	if len(in.Commit) < 7 {
		return nil, commitOut{}, fmt.Errorf("commit wants at least 7 hex digits of the SHA")
	}
	plan, err := s.planCommit(ctx, in)
	if err != nil {
		return nil, commitOut{}, err
	}
	push := model.Push{Commit: in.Commit}
	out := commitOut{Expected: len(plan.Expected), Workers: []workerVerdict{}}
	if len(plan.Expected) == 0 {
		out.Verdict = "nothing builds it"
	}
	wait, start := waitFor(in.TimeoutSeconds), time.Now()
	for len(plan.Expected) > 0 {
		latest, err := s.o.Source.LatestBuilds(ctx, tagsOf(plan.Expected))
		if err != nil {
			return nil, out, err
		}
		out.Workers, out.Started = out.Workers[:0], 0
		done, failed := 0, 0
		for _, w := range plan.Expected {
			v := workerVerdict{Worker: clip(w.Name, 100), State: "expected"}
			if b, ok := latest[w.Tag]; ok && push.Builds(b) {
				out.Started++
				v.State, v.BuildUUID = string(b.State()), b.UUID
				if b.Finished() {
					done++
					if !b.Outcome.OK() {
						failed++
						if lines, err := s.plainLog(ctx, b.UUID); err == nil {
							v.FirstError = clip(model.FailureOf(func(i int) string { return lines[i] }, len(lines)).Text, maxLineBytes)
						}
					}
				}
			}
			out.Workers = append(out.Workers, v)
		}
		switch {
		case done == len(plan.Expected) && failed > 0:
			out.Verdict = "failed"
		case done == len(plan.Expected):
			out.Verdict = "succeeded"
		case time.Since(start) >= wait:
			out.Verdict = "still running"
		}
		if out.Verdict != "" {
			break
		}
		s.progress(ctx, req, float64(done), float64(len(plan.Expected)), fmt.Sprintf("%d of %d builds ended", done, len(plan.Expected)))
		if err := sleep(ctx, s.o.Poll); err != nil {
			return nil, out, err
		}
	}
	for _, name := range plan.Skipped {
		out.Workers = append(out.Workers, workerVerdict{Worker: clip(name, 100), State: "skipped by filters"})
	}
	return nil, out, nil
}

// planCommit works out which Workers build the push (model.PlanPush): the
// Workers whose latest build came from the repository (from its own
// repository when none is named), with their triggers' filters.
func (s *Server) planCommit(ctx context.Context, in commitIn) (model.PushPlan, error) {
	ws, err := s.o.Source.Workers(ctx)
	if err != nil {
		return model.PushPlan{}, err
	}
	latest, err := s.o.Source.LatestBuilds(ctx, tagsOf(ws))
	if err != nil {
		return model.PushPlan{}, err
	}
	var plan model.PushPlan
	for _, w := range ws {
		b, ok := latest[w.Tag]
		if !ok || b.Trigger.RepoConnection == nil {
			continue
		}
		rc := b.Trigger.RepoConnection
		p := model.Push{Repo: cmp.Or(strings.TrimSpace(in.Repo), rc.ProviderAccountName+"/"+rc.RepoName), Branch: in.Branch, Commit: in.Commit}
		if !p.Connected(b.Trigger) {
			continue
		}
		trs, err := s.o.Source.Triggers(ctx, w)
		if err != nil {
			return model.PushPlan{}, err
		}
		one := model.PlanPush(p, []model.WorkerTriggers{{Worker: w, Triggers: trs}})
		plan.Expected = append(plan.Expected, one.Expected...)
		plan.Skipped = append(plan.Skipped, one.Skipped...)
	}
	return plan, nil
}
