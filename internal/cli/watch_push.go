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

// watchPush resolves the push, works out which Workers should build it
// (model.PlanPushFrom), and waits for every build: exit 0 when all
// succeeded, 1 when one failed or was cancelled, 3 at the timeout. Expected
// is a floor: before each verdict it looks once more across the account for
// builds of the commit, and follows any it finds.
func (o *watchOptions) watchPush(ctx context.Context, e *env) (int, error) {
	push, err := o.resolvePush(e.dir)
	if err != nil {
		return 2, err
	}
	cache := e.triggerCache()
	pw, workers, err := model.PlanPushFrom(ctx, e.client, cache.Triggers, push)
	cache.Save()
	if err != nil {
		return 1, err
	}
	for _, n := range pw.Notes {
		fmt.Fprintf(e.stderr, "cfbuilds: %s\n", n)
	}
	w := &pushWatch{o: o, e: e, pw: pw, states: map[string]model.State{}}
	// With a queue of build events, a build's start and end come from
	// them within a pull; the builds are still read, for what events do
	// not say and when events are late.
	events := e.startEvents(ctx)
	var after uint64
	said := ""
	on := ""
	if push.Branch != "" {
		on = " on " + model.SanitizeInline(push.Branch)
	}
	w.say("Push %s of %s%s: %s\n", shortHash(push.Commit), model.SanitizeInline(push.Repo), on, pw.Summary())
	deadline := time.Now().Add(o.timeout)
	for {
		if events != nil {
			b := events.Since(after)
			after = b.Next
			pw.ObserveEvents(b.Events, workers)
			if p := b.State.Problem; p != "" && p != said {
				said = p
				fmt.Fprintf(e.stderr, "cfbuilds: %s; polling meanwhile\n", p)
			}
		}
		if err := pw.Refresh(ctx, e.client); err != nil {
			if err := retryOrGiveUp(e.stderr)(err); err != nil {
				return 1, err
			}
		}
		w.report(ctx)
		verdict := pw.Verdict()
		if verdict != model.PushRunning {
			// Look once more before answering: a Worker nobody expected
			// may be building the commit.
			if added, err := pw.Sweep(ctx, e.client, workers); err == nil && added > 0 {
				continue
			}
		}
		switch {
		case verdict == model.PushNothing:
			w.say("No Worker builds this push.\n")
			return w.end(0), nil
		case verdict == model.PushFailed:
			return w.end(1), nil
		case verdict == model.PushSucceeded:
			return w.end(0), nil
		case time.Now().After(deadline):
			t := pw.Tally()
			w.say("Timed out after %s with %d of %d builds ended.\n", o.timeout, t.Done, t.Expected)
			return w.end(3), nil
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

// pushWatch prints one watch --commit: the last state printed of each
// Worker's build, and whether a failure's log was shown.
type pushWatch struct {
	o            *watchOptions
	e            *env
	pw           *model.PushWatch
	states       map[string]model.State // Worker tag → the last state printed
	shownFailure bool
}

func (w *pushWatch) say(format string, a ...any) {
	if !w.o.asJSON {
		fmt.Fprintf(w.e.stdout, format, a...)
	}
}

// end prints the verdict and returns the exit code.
func (w *pushWatch) end(code int) int {
	if w.o.asJSON {
		writeEvent(w.e.stdout, event{Event: "end", Exit: &code, Summary: w.pw.Summary()})
	} else {
		w.say("%s\n", w.pw.Summary())
	}
	return code
}

// report prints each build's change of state and the first failure's log
// tail.
func (w *pushWatch) report(ctx context.Context) {
	for _, wk := range w.pw.Plan.Expected {
		b, ok := w.pw.BuildOf(wk.Tag)
		if !ok {
			continue // not started yet: a build can start late
		}
		if s := b.State(); s != w.states[wk.Tag] {
			w.states[wk.Tag] = s
			if w.o.asJSON {
				writeEvent(w.e.stdout, event{Event: "status", BuildUUID: b.UUID, Worker: wk.Name, Status: string(b.Status), Outcome: string(b.Outcome)})
			} else {
				fmt.Fprintf(w.e.stdout, "%s  %-20s %s  %s\n", time.Now().Format("15:04:05"), model.SanitizeInline(wk.Name), s, b.UUID)
			}
		}
		if b.Finished() && !b.Outcome.OK() && !w.shownFailure {
			w.shownFailure = true
			w.o.logTail(ctx, w.e, b, wk.Name)
		}
	}
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
