package cli

// cfbuilds stats: how long builds take, what fails, how long they wait,
// and whether the month's build minutes will last, from the local history
// of builds (internal/history), brought up to date from the API first
// (incrementally: an unchanged account of 23 Workers costs 2 requests).
// With the API failing it answers from the history, "as of" its newest
// build, and exits 0.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/internal/history"
	"github.com/cfbuilds/cfbuilds/model"
)

func statsCommand() command {
	return command{name: "stats", args: "[--worker NAME] [--branch B] [--since 30d] [--json]",
		summary: "build statistics from the local history: durations (p50/p95), queue waits, failure rates and phases, flaky commits, build minutes this month",
		example: "cfbuilds stats --since 7d\ncfbuilds stats --worker api-gateway --branch main --json",
		opts:    func() options { return &statsOptions{} }}
}

type statsOptions struct {
	worker, branch, since string
	asJSON                bool
}

func (o *statsOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.worker, "worker", "", "only the Worker with this `name`")
	fs.StringVar(&o.branch, "branch", "", "only this `branch` (the figures then go by Worker and branch)")
	fs.StringVar(&o.since, "since", "30d", "the builds of this last `span` (30d, 12h; 0: all kept)")
	fs.BoolVar(&o.asJSON, "json", false, "print the figures as JSON")
}

func (o *statsOptions) validate(args []string) error {
	if err := wantArgs("stats", args, 0, ""); err != nil {
		return err
	}
	switch d, err := parseDuration(o.since); {
	case o.since == "0" || err == nil && d == 0:
		o.since = "0" // 0, 0d, 0h: all kept
	case err != nil || d < 0:
		return usagef("--since wants a span such as 30d or 12h (0: all kept), got %q", model.SanitizeInline(o.since))
	}
	return nil
}

// historyPath is $XDG_STATE_HOME/cfbuilds/history.db ("" when neither it
// nor HOME is set).
func historyPath(getenv func(string) string) string {
	return xdgPath(getenv, "XDG_STATE_HOME", filepath.Join(".local", "state"), "history.db")
}

// openHistory opens the history the configuration asks for; a note to say
// (a file moved aside) goes to stderr once.
func (e *env) openHistory(ctx context.Context) (*history.DB, error) {
	if !e.cfg.History {
		return nil, history.ErrOff
	}
	path := historyPath(e.getenv)
	if e.global.demo {
		path = "" // the demo's account is new each run: its history too
	}
	h, err := history.Open(ctx, path, e.cfg.HistoryKeep)
	if err != nil {
		return nil, err
	}
	if h.Note != "" {
		fmt.Fprintf(e.stderr, "cfbuilds: %s\n", h.Note)
	}
	return h, nil
}

// pagerOf reads a Worker's history a page (200 builds) at a time.
func pagerOf(c *api.Client) history.Pager {
	return func(ctx context.Context, w model.Worker, page int) ([]model.Build, bool, error) {
		p, err := c.WorkerBuilds(ctx, w.Tag, page, 200)
		if err != nil {
			return nil, false, err
		}
		return p.Builds, p.More(), nil
	}
}

func (o *statsOptions) run(ctx context.Context, e *env) error {
	h, err := e.openHistory(ctx)
	if err != nil {
		return err
	}
	defer h.Close()
	note := ""
	if err := o.sync(ctx, e, h); err != nil {
		var ue usageError
		var we *history.WriteError
		switch {
		case errors.As(err, &ue), api.Refused(err), ctx.Err() != nil:
			return err // a typo (exit 2 with what it may have meant), a refusal
		case errors.As(err, &we):
			return err // the history's own trouble, with its file: not the API's
		}
		if n, cerr := h.Count(ctx); cerr == nil && n == 0 {
			return fmt.Errorf("no build history yet, and the API could not be reached to make one: %s", model.SanitizeInline(err.Error()))
		}
		fmt.Fprintf(e.stderr, "cfbuilds: %s; the figures come from the history\n", model.SanitizeInline(err.Error()))
		note = "the API could not be reached: figures from the history"
	}
	f := history.Filter{Worker: o.worker, Branch: o.branch}
	if o.since != "0" {
		d, _ := parseDuration(o.since)
		f.Since = time.Now().Add(-d)
	}
	st, err := h.Stats(ctx, f, o.branch != "")
	if err != nil {
		return fmt.Errorf("read the build history: %w", err)
	}
	minutes, err := h.MinutesUsed(ctx, e.cfg.IncludedMins, time.Now())
	if err != nil {
		return fmt.Errorf("read the build history: %w", err)
	}
	asOf := ""
	if note == "" {
		if l, err := e.client.AccountLimits(ctx); err == nil {
			minutes.LimitReached = l.ReachedBuildMinutes
		}
	} else if newest, err := h.Newest(ctx); err == nil && !newest.IsZero() {
		asOf = newest.UTC().Format(time.RFC3339)
		note += ", as of " + newest.Local().Format("2006-01-02 15:04")
	}
	rep := model.StatsReport{Since: o.since, AsOf: asOf, Note: note, Workers: make([]model.StatsSummary, 0, len(st)), Minutes: minutes.Report()}
	for _, s := range st {
		rep.Workers = append(rep.Workers, s.Summary())
	}
	if o.asJSON {
		return writeJSON(e.stdout, rep)
	}
	printStats(e.stdout, rep)
	return nil
}

// sync brings the history up to date, with a progress line on a terminal
// when it takes a while (a first sync of a large account).
func (o *statsOptions) sync(ctx context.Context, e *env, h *history.DB) error {
	ws, err := selectWorkers(ctx, e.client, o.worker)
	if err != nil {
		return err
	}
	tick := func(int, int) {}
	if isTerminal(e.stderr) {
		start := time.Now()
		tick = func(done, total int) {
			if time.Since(start) > progressAfter {
				fmt.Fprintf(e.stderr, "\r\x1b[Kcfbuilds: reading build histories: %d of %d Workers…", done, total)
			}
		}
		defer fmt.Fprint(e.stderr, "\r\x1b[K")
	}
	if _, err = h.Sync(ctx, e.client, pagerOf(e.client), ws, tick); err != nil {
		return err
	}
	o.learnFailures(ctx, e, h)
	return nil
}

// maxLogsRead bounds the failed builds' logs one stats run reads to learn
// the phase they failed in: a request each, once per build ever.
const maxLogsRead = 50

// learnFailures reads the logs of the failed builds whose phase is not
// known yet (the newest first, at most maxLogsRead a run) and keeps what
// they say. A log that cannot be read is left for another run.
func (o *statsOptions) learnFailures(ctx context.Context, e *env, h *history.DB) {
	learnFailures(ctx, e.client, h)
}

// learnFailures reads the logs of up to maxLogsRead failures whose phase
// the history does not know, once each, so every reader of the history
// (stats, the stats view, get_stats) says the phase get_build would.
func learnFailures(ctx context.Context, c *api.Client, h *history.DB) {
	uuids, err := h.UnexplainedFailures(ctx, maxLogsRead)
	if err != nil {
		return
	}
	for _, u := range uuids {
		lines, err := c.ReadLog(model.WithPriority(ctx, model.Sweep), u)
		if err != nil {
			continue
		}
		f := model.FailureOf(func(i int) string { return model.Sanitize(lines[i].Text).Plain() }, len(lines))
		if f.Phase == "" {
			f.Phase = "unknown"
		}
		_ = h.RecordFailure(ctx, u, f)
	}
}

// statsReport is `stats --json`.

// printStats writes the report as a table, then the slowest, the most
// failing, failures by phase, flaky commits and the build minutes.
func printStats(out io.Writer, rep model.StatsReport) {
	if rep.Note != "" {
		fmt.Fprintf(out, "(%s)\n", rep.Note)
	}
	if len(rep.Workers) == 0 {
		fmt.Fprintf(out, "No stopped builds in the last %s.\n", rep.Since)
	} else {
		// The rates add up to 100%: FAIL counts terminated builds too, and
		// OTHER (shown only when some build has it) outcomes no word names.
		other := false
		for _, w := range rep.Workers {
			other = other || w.OtherRate > 0
		}
		head := []string{"WORKER", "BUILDS", "OK", "FAIL", "CANCEL", "SKIP"}
		if other {
			head = append(head, "OTHER")
		}
		rows := [][]string{append(head, "P50", "P95", "QUEUE P50/P95", "RUN P50/P95")}
		pct := func(x float64) string { return fmt.Sprintf("%.0f%%", x*100) }
		dur := func(s int64) string { return model.FormatDuration(time.Duration(s) * time.Second) }
		for _, w := range rep.Workers {
			row := []string{w.Key, fmt.Sprint(w.Builds), pct(w.SuccessRate), pct(w.FailureRate), pct(w.CancelRate), pct(w.SkipRate)}
			if other {
				row = append(row, pct(w.OtherRate))
			}
			rows = append(rows, append(row, dur(w.TotalP50), dur(w.TotalP95), dur(w.QueueP50)+"/"+dur(w.QueueP95), dur(w.RunP50)+"/"+dur(w.RunP95)))
		}
		_ = writeTable(out, rows)
		fmt.Fprintln(out)
		slowest, failing := rep.Workers[0], rep.Workers[0]
		for _, w := range rep.Workers {
			if w.TotalP95 > slowest.TotalP95 {
				slowest = w
			}
			if w.FailureRate > failing.FailureRate {
				failing = w
			}
		}
		fmt.Fprintf(out, "slowest: %s (p95 %s)\n", model.SanitizeInline(slowest.Key), dur(slowest.TotalP95))
		if failing.FailureRate > 0 {
			fmt.Fprintf(out, "most failing: %s (%s of %d builds)\n", model.SanitizeInline(failing.Key), pct(failing.FailureRate), failing.Builds)
		}
		for _, w := range rep.Workers {
			if len(w.FailedPhases) > 0 && !(len(w.FailedPhases) == 1 && w.FailedPhases["unknown"] > 0) {
				var parts []string
				for p, n := range w.FailedPhases {
					parts = append(parts, fmt.Sprintf("%s %d", p, n))
				}
				sort.Strings(parts)
				fmt.Fprintf(out, "failures of %s by phase: %s\n", model.SanitizeInline(w.Key), strings.Join(parts, ", "))
			}
			if len(w.Flaky) > 0 {
				short := make([]string, 0, len(w.Flaky))
				for _, c := range w.Flaky[:min(len(w.Flaky), 5)] {
					short = append(short, shortHash(model.SanitizeInline(c)))
				}
				fmt.Fprintf(out, "flaky commits of %s (failed, then succeeded unchanged): %s\n", model.SanitizeInline(w.Key), strings.Join(short, " "))
			}
		}
	}
	m := rep.Minutes
	fmt.Fprintf(out, "\nbuild minutes in %s: %.0f of %.0f included ([stats] included_minutes); at this pace %.0f by the month's end", m.Month, m.Used, m.Included, m.Forecast)
	if m.LimitReached {
		fmt.Fprint(out, "; the account's limit is reached: builds wait")
	}
	fmt.Fprintln(out)
}
