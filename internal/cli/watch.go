package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

func watchCommand() command {
	return command{name: "watch", args: "(BUILD_UUID | --commit SHA|HEAD [--repo OWNER/NAME] [--branch B] [--live [--live-percent N]] [--status github|gitlab [--status-context C]] [--timeout 30m] [--every 5s]) [--json]",
		summary: "follow a build, or every build of a push, until done; exit 0 success, 1 failed or cancelled, 3 timeout, 4 (--live) built but not every Worker live by the timeout, 5 nothing builds the push",
		example: "cfbuilds watch 5c1f0e2a-6b7d-4e8f-9a0b-1c2d3e4f5a6b && echo deployed\ngit push && cfbuilds watch --commit HEAD\ncfbuilds watch --commit HEAD --live --status github",
		opts:    func() options { return &watchOptions{} }}
}

type watchOptions struct {
	uuid                  string
	commit, repo, branch  string
	timeout, every        time.Duration
	asJSON                bool
	live                  bool
	livePercent           float64
	status, statusContext string
}

func (o *watchOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.commit, "commit", "", "follow every build of this commit `SHA` (HEAD: the checkout's) across the account")
	fs.StringVar(&o.repo, "repo", "", "the repository, `owner/name` (default: the checkout's origin remote)")
	fs.StringVar(&o.branch, "branch", "", "the pushed `branch`, for the triggers' branch filters (default: CI_COMMIT_BRANCH, CI_COMMIT_REF_NAME, GITHUB_HEAD_REF or GITHUB_REF_NAME, else the checkout's; a detached HEAD is any branch)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up (exit 3) after this `duration` when builds have not all ended")
	fs.DurationVar(&o.every, "every", 5*time.Second, "with --commit, how often to look (one call per 20 Workers)")
	fs.BoolVar(&o.asJSON, "json", false, "write NDJSON events, one a line, for scripts: status, log (one build), end")
	fs.BoolVar(&o.live, "live", false, "with --commit, wait until every Worker serves the version its build made (exit 4 when the builds succeeded but not all were live by the timeout)")
	fs.Float64Var(&o.livePercent, "live-percent", 100, "with --live, the share of traffic (`N` percent) that counts as live")
	fs.StringVar(&o.status, "status", "", "post one commit status for the whole push to `github` (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_SHA in Actions) or gitlab (GITLAB_TOKEN or CI_JOB_TOKEN, CI_PROJECT_PATH)")
	fs.StringVar(&o.statusContext, "status-context", "cfbuilds", "the commit status's `context` (GitHub) or name (GitLab)")
}

func (o *watchOptions) validate(args []string) error {
	switch {
	case o.status != "" && o.status != "github" && o.status != "gitlab":
		return usagef("--status wants github or gitlab, got %q", model.SanitizeInline(o.status))
	case !(o.livePercent > 0 && o.livePercent <= 100): // NaN too
		return usagef("--live-percent wants a share of traffic above 0 and at most 100, got %v", o.livePercent)
	case (o.live || o.status != "") && len(args) > 0:
		return usagef("--live and --status watch a push: give --commit SHA|HEAD, not a build uuid")
	case o.statusContext == "":
		return usagef("--status-context wants a name")
	}
	if o.commit != "" || o.status != "" || o.live {
		if o.every < 100*time.Millisecond {
			return usagef("--every wants at least 100ms, got %s (see cfbuilds watch --help)", o.every)
		}
		if o.timeout <= 0 {
			return usagef("--timeout wants a positive duration such as 30m, got %s (see cfbuilds watch --help)", o.timeout)
		}
		return wantArgs("watch --commit", args, 0, "")
	}
	if err := wantArgs("watch", args, 1, "a BUILD_UUID or --commit SHA"); err != nil {
		return err
	}
	o.uuid = args[0]
	return buildUUIDArg("watch", o.uuid)
}

func (o *watchOptions) run(ctx context.Context, e *env) error {
	var code int
	var err error
	switch {
	case o.commit != "" || o.live || o.status != "":
		code, err = o.watchPush(ctx, e)
	case o.asJSON:
		var b model.Build
		code, b, err = watchJSON(ctx, e.client, o.uuid, e.stdout, e.stderr)
		e.recordBuilds(ctx, []model.Build{b})
	default:
		var b model.Build
		code, b, err = cmdWatch(ctx, e.client, o.uuid, e.stdout, e.stderr)
		e.recordBuilds(ctx, []model.Build{b})
	}
	if err != nil {
		return err
	}
	return exitCodeOrNil(code)
}

// workerNames maps tags to names; a failure only costs the names.
func workerNames(ctx context.Context, c *api.Client) map[string]string {
	names := map[string]string{}
	if ws, err := c.Workers(ctx); err == nil {
		for _, w := range ws {
			names[w.Tag] = w.Name
		}
	}
	return names
}

// stateSince is when the build reached its present state, by its own
// timestamps (what the API says, not this machine's clock).
func stateSince(b model.Build) time.Time {
	for _, t := range []*time.Time{b.StoppedOn, b.RunningOn, b.InitializingOn} {
		if t != nil && (b.Finished() || t != b.StoppedOn) {
			return *t
		}
	}
	return b.CreatedOn
}

func describe(b model.Build, names map[string]string, now time.Time) string {
	name := names[b.WorkerTag]
	if name == "" {
		name = b.WorkerTag
	}
	return fmt.Sprintf("%s on %s at %s (%s, %s)", model.SanitizeInline(name), model.SanitizeInline(b.Meta.Branch),
		model.SanitizeInline(b.ShortCommit()), b.State(), model.FormatDuration(b.Duration(now)))
}

// cmdWatch follows a build until it stops, printing each change of state;
// it returns the exit code.
func cmdWatch(ctx context.Context, c *api.Client, uuid string, out, stderr io.Writer) (int, model.Build, error) {
	names := workerNames(ctx, c)
	var last model.State
	phases := phasePrinter{w: stderr}
	b, err := c.Follow(ctx, uuid, api.FollowOptions{
		// The log is read for its phase lines only (to stderr).
		Lines: phases.lines,
		Build: func(b model.Build) {
			if s := b.State(); s != last {
				// The build's own time of the state, as the phase lines on
				// stderr: one clock for both streams, the build's.
				fmt.Fprintf(out, "%s  %s\n", stateSince(b).Local().Format("15:04:05"), describe(b, names, time.Now()))
				last = s
			}
		},
		Err: retryOrGiveUp(stderr),
	})
	if err != nil {
		return 1, b, err
	}
	if b.Outcome.OK() {
		return 0, b, nil
	}
	if b.Outcome == model.OutcomeFail || b.Outcome == model.OutcomeTerminated {
		_ = printFailure(ctx, c, b, out) // why, as logs --failed says it
	}
	return 1, b, nil
}
