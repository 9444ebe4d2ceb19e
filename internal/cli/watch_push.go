package cli

// watch --commit: every build of one push, across the Workers whose
// triggers are connected to the repository and whose branch and path
// filters take the push.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

// event is one NDJSON line of watch --json.
type event struct {
	Event     string `json:"event"` // status | log | end
	BuildUUID string `json:"build_uuid,omitempty"`
	Worker    string `json:"worker,omitempty"`
	Status    string `json:"status,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
	Line      string `json:"line,omitempty"`
	Exit      *int   `json:"exit,omitempty"`
	Summary   string `json:"summary,omitempty"`
}

func writeEvent(out io.Writer, ev event) {
	b, _ := json.Marshal(ev)
	fmt.Fprintf(out, "%s\n", b)
}

// watchJSON follows one build as NDJSON: a status event per change of
// state, a log event per line, an end event with the exit code. The
// stopped status comes after the last log line, just before the end.
func watchJSON(ctx context.Context, c *api.Client, uuid string, out, stderr io.Writer) (int, error) {
	names := workerNames(ctx, c)
	var last model.State
	status := func(b model.Build) event {
		return event{Event: "status", BuildUUID: b.UUID, Worker: names[b.WorkerTag], Status: string(b.Status), Outcome: string(b.Outcome)}
	}
	b, err := c.Follow(ctx, uuid, api.FollowOptions{
		Build: func(b model.Build) {
			if s := b.State(); s != last && !b.Finished() {
				writeEvent(out, status(b))
				last = s
			}
		},
		Lines: func(lines []model.LogLine) {
			for _, l := range lines {
				writeEvent(out, event{Event: "log", BuildUUID: uuid, Line: model.Sanitize(l.Text).Plain()})
			}
		},
		Err: retryOrGiveUp(stderr),
	})
	if err != nil {
		return 1, err
	}
	code := 1
	if b.Outcome.OK() {
		code = 0
	}
	writeEvent(out, status(b))
	writeEvent(out, event{Event: "end", BuildUUID: uuid, Worker: names[b.WorkerTag], Status: string(b.Status), Outcome: string(b.Outcome), Exit: &code})
	return code, nil
}

// git runs git in dir ("" the current directory) and returns its first line.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line, nil
}

var remoteRepo = regexp.MustCompile(`(?:github\.com|gitlab\.com)[:/]+([^/]+/[^/]+?)(?:\.git)?/?$`)

// repoOf reads owner/name from a remote URL: https and ssh, GitHub and GitLab.
func repoOf(remote string) (string, bool) {
	m := remoteRepo.FindStringSubmatch(strings.TrimSpace(remote))
	if m == nil {
		return "", false
	}
	return m[1], true
}

// watchPush resolves the push, works out which Workers should build it, and
// waits for every build: exit 0 when all succeeded, 1 when one failed or was
// cancelled, 3 at the timeout.
func (o *watchOptions) watchPush(ctx context.Context, e *env) (int, error) {
	push, err := o.resolvePush(e.dir)
	if err != nil {
		return 2, err
	}
	plan, err := planPush(ctx, e.client, push)
	if err != nil {
		return 1, err
	}
	w := &pushWatch{o: o, e: e, push: push, plan: plan, states: map[string]model.State{}, found: map[string]string{}}
	on := ""
	if push.Branch != "" {
		on = " on " + model.SanitizeInline(push.Branch)
	}
	w.say("Push %s of %s%s: %s\n", shortHash(push.Commit), model.SanitizeInline(push.Repo), on, w.summary(0))
	if len(plan.Expected) == 0 {
		w.say("No Worker builds this push.\n")
		return 0, nil
	}
	deadline := time.Now().Add(o.timeout)
	for {
		if err := w.findBuilds(ctx); err != nil {
			return 1, err
		}
		tally, err := w.checkBuilds(ctx)
		if err != nil {
			return 1, err
		}
		switch {
		case tally.Done == len(plan.Expected) && tally.Failed > 0:
			return w.end(1, tally), nil
		case tally.Done == len(plan.Expected):
			return w.end(0, tally), nil
		case time.Now().After(deadline):
			w.say("Timed out after %s with %d of %d builds ended.\n", o.timeout, tally.Done, len(plan.Expected))
			return w.end(3, tally), nil
		}
		select {
		case <-ctx.Done():
			return 1, ctx.Err()
		case <-time.After(o.every):
		}
	}
}

// resolvePush is the push the flags name; HEAD, the branch and the
// repository come from the git checkout here when not given.
func (o *watchOptions) resolvePush(dir string) (model.Push, error) {
	p := model.Push{Commit: o.commit, Repo: o.repo, Branch: o.branch}
	if p.Commit == "HEAD" {
		sha, err := git(dir, "rev-parse", "HEAD")
		if err != nil {
			return p, usagef("--commit HEAD needs a git checkout here: %v", err)
		}
		p.Commit = sha
		if p.Branch == "" {
			p.Branch, _ = git(dir, "rev-parse", "--abbrev-ref", "HEAD")
		}
	}
	if p.Repo == "" {
		remote, err := git(dir, "remote", "get-url", "origin")
		r, ok := repoOf(remote)
		if err != nil || !ok {
			return p, usagef("name the repository with --repo owner/name (no GitHub or GitLab origin remote here)")
		}
		p.Repo = r
	}
	diff := exec.Command("git", "diff-tree", "--root", "--no-commit-id", "--name-only", "-r", p.Commit)
	diff.Dir = dir
	if out, err := diff.Output(); err == nil {
		p.Files = strings.Fields(string(out))
	}
	return p, nil
}

// planPush reads which Workers are connected to the push's repository (their
// latest builds say: a call per 20 Workers, not one per Worker), then only
// those Workers' triggers, and leaves the rest to model.PlanPush.
func planPush(ctx context.Context, c *api.Client, push model.Push) (model.PushPlan, error) {
	workers, err := c.Workers(ctx)
	if err != nil {
		return model.PushPlan{}, err
	}
	tags := make([]string, 0, len(workers))
	for _, w := range workers {
		tags = append(tags, w.Tag)
	}
	latest, err := c.LatestBuilds(ctx, tags)
	if err != nil {
		return model.PushPlan{}, err
	}
	var connected []model.WorkerTriggers
	for _, w := range workers {
		if b, ok := latest[w.Tag]; !ok || !push.Connected(b.Trigger) {
			continue
		}
		if trs, err := c.Triggers(ctx, w); err == nil {
			connected = append(connected, model.WorkerTriggers{Worker: w, Triggers: trs})
		}
	}
	return model.PlanPush(push, connected), nil
}

// pushWatch is the state of one watch --commit: the builds found so far and
// the last state printed of each.
type pushWatch struct {
	o            *watchOptions
	e            *env
	push         model.Push
	plan         model.PushPlan
	states       map[string]model.State // Worker tag → the last state printed
	found        map[string]string      // Worker tag → the push's build there
	shownFailure bool
}

func (w *pushWatch) say(format string, a ...any) {
	if !w.o.asJSON {
		fmt.Fprintf(w.e.stdout, format, a...)
	}
}

func (w *pushWatch) summary(started int) string {
	return model.PushTally{Expected: len(w.plan.Expected), Started: started}.Summary(w.plan.Skipped)
}

// end prints the verdict and returns the exit code.
func (w *pushWatch) end(code int, t model.PushTally) int {
	if w.o.asJSON {
		writeEvent(w.e.stdout, event{Event: "end", Exit: &code, Summary: w.summary(t.Started)})
	} else {
		w.say("%s\n", w.summary(t.Started))
	}
	return code
}

// findBuilds looks for the push's build on the Workers where none is known
// yet: their latest build, and when a newer push hid it, their newest builds.
func (w *pushWatch) findBuilds(ctx context.Context) error {
	var tags []string
	for _, wk := range w.plan.Expected {
		if w.found[wk.Tag] == "" {
			tags = append(tags, wk.Tag)
		}
	}
	if len(tags) == 0 {
		return nil
	}
	c := w.e.client
	latest, err := c.LatestBuilds(ctx, tags)
	if err != nil {
		return retryOrGiveUp(w.e.stderr)(err)
	}
	for _, tag := range tags {
		b, ok := latest[tag]
		if !ok {
			continue
		}
		if w.push.Builds(b) {
			w.found[tag] = b.UUID
			continue
		}
		if p, err := c.WorkerBuilds(ctx, tag, 1, 10); err == nil {
			for _, hb := range p.Builds {
				if w.push.Builds(hb) {
					w.found[tag] = hb.UUID
				}
			}
		}
	}
	return nil
}

// checkBuilds reads each found build, prints its changes of state and the
// first failure's log tail, and counts.
func (w *pushWatch) checkBuilds(ctx context.Context) (model.PushTally, error) {
	t := model.PushTally{Expected: len(w.plan.Expected)}
	for _, wk := range w.plan.Expected {
		uuid := w.found[wk.Tag]
		if uuid == "" {
			continue // not started yet: a build can start late
		}
		b, err := w.e.client.Build(ctx, uuid)
		if err != nil {
			if err := retryOrGiveUp(w.e.stderr)(err); err != nil {
				return t, err
			}
			continue
		}
		t.Started++
		if s := b.State(); s != w.states[wk.Tag] {
			w.states[wk.Tag] = s
			if w.o.asJSON {
				writeEvent(w.e.stdout, event{Event: "status", BuildUUID: b.UUID, Worker: wk.Name, Status: string(b.Status), Outcome: string(b.Outcome)})
			} else {
				fmt.Fprintf(w.e.stdout, "%s  %-20s %s  %s\n", time.Now().Format("15:04:05"), model.SanitizeInline(wk.Name), s, b.UUID)
			}
		}
		if !b.Finished() {
			continue
		}
		t.Done++
		if !b.Outcome.OK() {
			t.Failed++
			if !w.shownFailure {
				w.shownFailure = true
				w.o.logTail(ctx, w.e, b, wk.Name)
			}
		}
	}
	return t, nil
}

func shortHash(h string) string {
	if len(h) > 7 {
		return h[:7]
	}
	return h
}

// logTail shows the last lines of the first failed build of the push.
func (o *watchOptions) logTail(ctx context.Context, e *env, b model.Build, worker string) {
	lines, err := e.client.ReadLog(ctx, b.UUID)
	if err != nil {
		return
	}
	lines = lines[max(len(lines)-10, 0):]
	if !o.asJSON {
		fmt.Fprintf(e.stdout, "--- the last lines of %s's log:\n", model.SanitizeInline(worker))
	}
	for _, l := range lines {
		text := model.Sanitize(l.Text).Plain()
		if o.asJSON {
			writeEvent(e.stdout, event{Event: "log", BuildUUID: b.UUID, Worker: worker, Line: text})
		} else {
			fmt.Fprintf(e.stdout, "    %s\n", text)
		}
	}
}
