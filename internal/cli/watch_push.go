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
	"sort"
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
// state, a log event per line, an end event with the exit code.
func watchJSON(ctx context.Context, c *api.Client, uuid string, out, stderr io.Writer) (int, error) {
	names := workerNames(ctx, c)
	var last model.State
	b, err := c.Follow(ctx, uuid, api.FollowOptions{
		Build: func(b model.Build) {
			if s := b.State(); s != last {
				writeEvent(out, event{Event: "status", BuildUUID: b.UUID, Worker: names[b.WorkerTag], Status: string(b.Status), Outcome: string(b.Outcome)})
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
	if b.Outcome == model.OutcomeSuccess || b.Outcome == model.OutcomeSkipped {
		code = 0
	}
	writeEvent(out, event{Event: "end", BuildUUID: uuid, Worker: names[b.WorkerTag], Status: string(b.Status), Outcome: string(b.Outcome), Exit: &code})
	return code, nil
}

// git runs git in the current directory and returns its first line.
func git(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
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
	commit, repo, branch := o.commit, o.repo, o.branch
	var files []string
	if commit == "HEAD" {
		sha, err := git("rev-parse", "HEAD")
		if err != nil {
			return 2, usagef("--commit HEAD needs a git checkout here: %v", err)
		}
		commit = sha
		if branch == "" {
			branch, _ = git("rev-parse", "--abbrev-ref", "HEAD")
		}
	}
	if repo == "" {
		remote, err := git("remote", "get-url", "origin")
		r, ok := repoOf(remote)
		if err != nil || !ok {
			return 2, usagef("name the repository with --repo owner/name (no GitHub or GitLab origin remote here)")
		}
		repo = r
	}
	if out, err := exec.Command("git", "diff-tree", "--root", "--no-commit-id", "--name-only", "-r", commit).Output(); err == nil {
		files = strings.Fields(string(out))
	}
	c := e.client
	workers, err := c.Workers(ctx)
	if err != nil {
		return 1, err
	}
	// Which Workers are connected to the repository: their latest builds
	// say (a call per 20 Workers, not one per Worker); then only those
	// Workers' triggers are read, for their branch and path filters.
	tags := make([]string, 0, len(workers))
	byTag := map[string]model.Worker{}
	for _, w := range workers {
		tags = append(tags, w.Tag)
		byTag[w.Tag] = w
	}
	latest, err := c.LatestBuilds(ctx, tags)
	if err != nil {
		return 1, err
	}
	connected := func(t model.Trigger) bool {
		rc := t.RepoConnection
		return rc != nil && strings.EqualFold(rc.ProviderAccountName+"/"+rc.RepoName, repo)
	}
	expected, skippedBy := map[string]model.Worker{}, map[string]bool{}
	for tag, b := range latest {
		if !connected(b.Trigger) {
			continue
		}
		w := byTag[tag]
		trs, err := c.Triggers(ctx, w)
		if err != nil {
			continue
		}
		for _, t := range trs {
			if !connected(t) {
				continue
			}
			if branch != "" && !model.BranchMatches(t, branch) {
				continue
			}
			// Cloudflare does not filter by path past 3,000 files (or none).
			if len(files) > 0 && len(files) < 3000 && !model.PathsMatch(t, files) {
				skippedBy[w.Name] = true
				continue
			}
			expected[tag] = w
		}
	}
	var skipped []string
	for name := range skippedBy {
		if !expectedName(expected, name) {
			skipped = append(skipped, name) // no other trigger of it takes the push
		}
	}
	say := func(format string, a ...any) {
		if !o.asJSON {
			fmt.Fprintf(e.stdout, format, a...)
		}
	}
	summary := func(started int) string {
		s := fmt.Sprintf("expected %d · started %d", len(expected), started)
		if len(skipped) > 0 {
			sort.Strings(skipped)
			s += fmt.Sprintf(" · %d not matched by its path filter (%s)", len(skipped), strings.Join(skipped, ", "))
		}
		return s
	}
	short := commit
	if len(short) > 7 {
		short = short[:7]
	}
	say("Push %s of %s%s: %s\n", short, model.SanitizeInline(repo), map[bool]string{true: "", false: " on " + model.SanitizeInline(branch)}[branch == ""], summary(0))
	if len(expected) == 0 {
		say("No Worker builds this push.\n")
		return 0, nil
	}
	deadline := time.Now().Add(o.timeout)
	states := map[string]model.State{}
	found := map[string]string{} // Worker tag → the push's build there
	shownFailure := false
	ours := func(b model.Build) bool {
		h := b.Meta.CommitHash
		return h != "" && (strings.HasPrefix(h, commit) || strings.HasPrefix(commit, h))
	}
	for {
		// Workers whose build of the push is not known yet: their latest
		// build, and when a newer push hid it, their newest builds.
		var tags []string
		for tag := range expected {
			if found[tag] == "" {
				tags = append(tags, tag)
			}
		}
		if len(tags) > 0 {
			latest, err := c.LatestBuilds(ctx, tags)
			if err != nil {
				if e := retryOrGiveUp(e.stderr)(err); e != nil {
					return 1, e
				}
			}
			for _, tag := range tags {
				if b, ok := latest[tag]; ok && ours(b) {
					found[tag] = b.UUID
				} else if ok {
					if p, err := c.WorkerBuilds(ctx, tag, 1, 10); err == nil {
						for _, hb := range p.Builds {
							if ours(hb) {
								found[tag] = hb.UUID
							}
						}
					}
				}
			}
		}
		done, failed, started := 0, 0, 0
		for tag, w := range expected {
			if found[tag] == "" {
				continue // not started yet: a build can start late
			}
			b, err := c.Build(ctx, found[tag])
			if err != nil {
				if e := retryOrGiveUp(e.stderr)(err); e != nil {
					return 1, e
				}
				continue
			}
			started++
			if s := b.State(); s != states[tag] {
				states[tag] = s
				if o.asJSON {
					writeEvent(e.stdout, event{Event: "status", BuildUUID: b.UUID, Worker: w.Name, Status: string(b.Status), Outcome: string(b.Outcome)})
				} else {
					fmt.Fprintf(e.stdout, "%s  %-20s %s  %s\n", time.Now().Format("15:04:05"), model.SanitizeInline(w.Name), s, b.UUID)
				}
			}
			if b.Finished() {
				done++
				if b.Outcome != model.OutcomeSuccess && b.Outcome != model.OutcomeSkipped {
					failed++
					if !shownFailure {
						shownFailure = true
						o.logTail(ctx, e, b, w.Name)
					}
				}
			}
		}
		end := func(code int) (int, error) {
			if o.asJSON {
				writeEvent(e.stdout, event{Event: "end", Exit: &code, Summary: summary(started)})
			} else {
				say("%s\n", summary(started))
			}
			return code, nil
		}
		switch {
		case done == len(expected) && failed > 0:
			return end(1)
		case done == len(expected):
			return end(0)
		case time.Now().After(deadline):
			say("Timed out after %s with %d of %d builds ended.\n", o.timeout, done, len(expected))
			return end(3)
		}
		select {
		case <-ctx.Done():
			return 1, ctx.Err()
		case <-time.After(o.every):
		}
	}
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

func expectedName(expected map[string]model.Worker, name string) bool {
	for _, w := range expected {
		if w.Name == name {
			return true
		}
	}
	return false
}
