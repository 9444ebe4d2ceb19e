package cli

// watch --commit --live and --status: the push's one verdict, required by
// CI. Live means every expected Worker serves the version its build made
// (model.PushWatch.LiveVerdict); the status is one commit status for the
// whole push on GitHub or GitLab (internal/commitstatus), posted pending at
// the start, then at most every 30 s while the summary changes, then once
// final. A status that cannot be posted is said once; the watch's own
// verdict and exit code stand.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cfbuilds/cfbuilds/internal/commitstatus"
	"github.com/cfbuilds/cfbuilds/model"
)

// statusEvery is the least time between two progress posts.
const statusEvery = 30 * time.Second

// fromCI fills what the flags left out from the CI's environment: the
// commit and the repository GitHub Actions or GitLab CI is running for.
func (o *watchOptions) fromCI(getenv func(string) string, p *model.Push) {
	switch o.status {
	case "github":
		if p.Commit == "" && getenv("GITHUB_ACTIONS") == "true" {
			p.Commit = getenv("GITHUB_SHA")
		}
		if p.Repo == "" {
			p.Repo = getenv("GITHUB_REPOSITORY")
		}
	case "gitlab":
		if p.Commit == "" && getenv("GITLAB_CI") == "true" {
			p.Commit = getenv("CI_COMMIT_SHA")
		}
		if p.Repo == "" {
			p.Repo = getenv("CI_PROJECT_PATH")
		}
	}
}

// statusPoster is the poster --status asks for (nil without it).
func (o *watchOptions) statusPoster(e *env, p model.Push) (*commitstatus.Poster, error) {
	if o.status == "" {
		return nil, nil
	}
	opts := commitstatus.Options{Kind: o.status, Repo: p.Repo, SHA: p.Commit}
	if o.status == "github" {
		opts.APIURL, opts.Token = e.getenv("GITHUB_API_URL"), e.getenv("GITHUB_TOKEN")
	} else {
		opts.APIURL, opts.Token = e.getenv("CI_API_V4_URL"), e.getenv("GITLAB_TOKEN")
		if opts.Token == "" {
			opts.Token, opts.JobToken = e.getenv("CI_JOB_TOKEN"), true
		}
	}
	if len(p.Commit) != 40 && len(p.Commit) != 64 {
		return nil, usagef("--status needs the commit's full SHA (a commit status is posted to one), got %q", model.SanitizeInline(p.Commit))
	}
	poster, err := commitstatus.New(opts)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return poster, nil
}

// postStatus posts the push's status: final (success or failure) once,
// pending at the start (force) and then only when the summary changed and
// statusEvery has passed. A failure to post is said once.
func (w *pushWatch) postStatus(ctx context.Context, state commitstatus.State, force bool) {
	if w.poster == nil {
		return
	}
	desc := w.statusText()
	if !force && (desc == w.posted || time.Since(w.postedAt) < statusEvery) {
		return
	}
	err := w.poster.Post(ctx, commitstatus.Status{State: state, Description: desc, TargetURL: w.targetURL(), Context: w.o.statusContext})
	w.posted, w.postedAt = desc, time.Now()
	if err != nil && !w.postFailed {
		w.postFailed = true
		fmt.Fprintf(w.e.stderr, "cfbuilds: %v; the watch goes on and its exit code stands\n", err)
	}
}

// postFinal posts the final status (tried again for up to a minute while
// the forge fails), and says plainly when it was not posted: the status
// then stays as it was (pending), and the exit code is the watch's.
func (w *pushWatch) postFinal(ctx context.Context, state commitstatus.State) {
	w.postFinalText(ctx, state, w.statusText())
}

// postFinalText is postFinal with its own description.
func (w *pushWatch) postFinalText(ctx context.Context, state commitstatus.State, desc string) {
	if w.poster == nil {
		return
	}
	err := w.poster.PostFinal(ctx, commitstatus.Status{State: state, Description: desc, TargetURL: w.targetURL(), Context: w.o.statusContext})
	if err != nil {
		fmt.Fprintf(w.e.stderr, "cfbuilds: the final commit status %s %q was NOT posted: %v; it stays as last posted, and the exit code is the watch's\n", state, w.o.statusContext, err)
		return
	}
	if !w.o.asJSON {
		fmt.Fprintf(w.e.stderr, "cfbuilds: posted commit status %s %q: %s\n", state, w.o.statusContext, desc)
	}
}

// statusText is the status's description: why nothing is expected, the
// Workers live, or without --live the builds that succeeded, and what is
// not.
func (w *pushWatch) statusText() string {
	if r := w.pw.NothingReason(); r != "" {
		return cut("nothing builds it: "+r, 140)
	}
	if w.o.live {
		return w.pw.LiveSummary(w.o.livePercent, 140)
	}
	t := w.pw.Tally()
	s := fmt.Sprintf("%d/%d builds succeeded", t.Done-t.Failed, t.Expected)
	var not []string
	for _, wl := range w.pw.LiveStates(100) {
		if wl.State == model.LiveFailed || wl.State == model.LiveBuilding || wl.State == model.LiveExpected {
			not = append(not, model.SanitizeInline(wl.Worker.Name)+" "+string(wl.State))
		}
	}
	if len(not) > 0 {
		s += ": " + strings.Join(not, "; ")
	}
	return cut(s, 140)
}

// cut keeps s within max bytes, on a rune boundary, marked with "…".
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max - len("…")
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// targetURL is the first failure's build in Cloudflare's dashboard, or the
// account's Workers.
func (w *pushWatch) targetURL() string {
	if f, ok := w.pw.FirstFailure(w.o.livePercent); ok && f.Build.UUID != "" {
		return model.DashboardURL(w.e.cfg.AccountID, f.Worker.Name, f.Build.UUID)
	}
	return "https://dash.cloudflare.com/" + w.e.cfg.AccountID + "/workers-and-pages"
}
