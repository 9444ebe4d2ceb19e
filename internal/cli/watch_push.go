package cli

// watch --commit: every build of one push, across the Workers whose
// triggers are connected to the repository and whose branch and path
// filters take the push.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/internal/commitstatus"
	"github.com/cfbuilds/cfbuilds/internal/triggercache"
	"github.com/cfbuilds/cfbuilds/model"
)

// event is one NDJSON line of watch --json.
type event struct {
	Event     string `json:"event"` // status | log | end
	BuildUUID string `json:"build_uuid,omitempty"`
	Worker    string `json:"worker,omitempty"`
	Status    string `json:"status,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
	// Deployment is where a succeeded build's version stands (--live):
	// uploaded, gradual or live, with the traffic it serves.
	Deployment  string   `json:"deployment,omitempty"`
	LivePercent *float64 `json:"live_percent,omitempty"`
	Line        string   `json:"line,omitempty"`
	Exit        *int     `json:"exit,omitempty"`
	Summary     string   `json:"summary,omitempty"`
}

func writeEvent(out io.Writer, ev event) {
	b, _ := json.Marshal(ev)
	fmt.Fprintf(out, "%s\n", b)
}

// watchJSON follows one build as NDJSON: a status event per change of
// state, a log event per line, an end event with the exit code. The
// stopped status comes after the last log line, just before the end.
func watchJSON(ctx context.Context, c *api.Client, uuid string, out, stderr io.Writer) (int, model.Build, error) {
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
		return 1, b, err
	}
	code := 1
	if b.Outcome.OK() {
		code = 0
	}
	writeEvent(out, status(b))
	writeEvent(out, event{Event: "end", BuildUUID: uuid, Worker: names[b.WorkerTag], Status: string(b.Status), Outcome: string(b.Outcome), Exit: &code})
	return code, b, nil
}

// watchPush resolves the push, works out which Workers should build it
// (model.PlanPushFrom), and waits for every build: exit 0 when all
// succeeded, 1 when one failed or was cancelled, 3 at the timeout. Expected
// is a floor: before each verdict it looks once more across the account for
// builds of the commit, and follows any it finds. With --live it then waits
// for every Worker to serve the commit (exit 4 when the builds succeeded but
// not every Worker was live by the timeout); with --status it posts the
// push's one commit status (watch_live.go).
func (o *watchOptions) watchPush(ctx context.Context, e *env) (int, error) {
	push, err := o.resolvePush(e)
	if err != nil {
		return 2, err
	}
	poster, err := o.statusPoster(e, push)
	if err != nil {
		return 2, err
	}
	// The bound holds from the start, planning included: on an account of
	// 2,000 Workers the plan's reads alone could outlast it.
	deadline := time.Now().Add(o.timeout)
	cache := e.triggerCache()
	planCtx, cancelPlan := model.Within(ctx, o.timeout)
	pw, workers, err := model.PlanPushFrom(planCtx, e.client, cache.Triggers, push)
	cancelPlan()
	cache.Save()
	if err != nil {
		if ctx.Err() == nil && planCtx.Err() != nil {
			fmt.Fprintf(e.stderr, "cfbuilds: timed out after %s while reading the account's Workers and latest builds; nothing was judged\n", o.timeout)
			if poster != nil {
				w := &pushWatch{o: o, e: e, pw: model.NewPushWatch(push, model.PushPlan{}), poster: poster}
				w.postFinalText(ctx, commitstatus.Failure, "timed out reading the account's Workers and latest builds: nothing judged")
			}
			return exitTimedOut, nil
		}
		return 1, err
	}
	w := &pushWatch{o: o, e: e, pw: pw, states: map[string]string{}, poster: poster, cache: cache}
	w.sayNotes()
	// With a queue of build events, a build's start and end come from
	// them within a pull; the builds are still read, for what events do
	// not say and when events are late.
	w.events = e.startEvents(ctx)
	on := " on any branch (no branch named: a detached HEAD)"
	if push.Branch != "" {
		on = " on " + model.SanitizeInline(push.Branch)
	}
	w.say("Push %s of %s%s: %s\n", shortHash(push.Commit), model.SanitizeInline(push.Repo), on, pw.Summary())
	if n := pw.Pending(); n > 0 {
		w.say("%d Workers have no build yet: reading their triggers costs %d requests%s; they are watched as they are read, and builds of the commit anywhere from now.\n",
			n, n, budgetNote(n, e.client.Usage()))
	}
	if r := pw.NothingReason(); r != "" {
		w.say("Nothing is expected yet (%s); looking for builds of the commit until the timeout.\n", r)
	}
	w.postStatus(ctx, commitstatus.Pending, true)
	for {
		// A round is bound by what is left of the timeout: reads waiting
		// for the budget must not carry the watch past it.
		rctx, cancel := model.Within(ctx, max(time.Until(deadline), 0)+2*time.Second)
		verdict, err := w.round(rctx, workers)
		cut := rctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case cut:
			verdict = model.PushRunning // what it knows; the timeout has come
		case err != nil:
			return 1, err
		}
		timedOut := cut || time.Now().After(deadline)
		code, done := o.exitFor(verdict, timedOut, pw.LiveSettled(o.livePercent))
		if done && (verdict == model.PushLive || verdict == model.PushNotLive) {
			// Live once is not live: every Worker read again, and the
			// verdict is that read's.
			cctx, cancel := model.Within(ctx, confirmWithin)
			verdict, err = pw.ConfirmLive(cctx, e.client, o.livePercent)
			cancel()
			if err != nil {
				fmt.Fprintf(e.stderr, "cfbuilds: could not confirm the deployments (%v); not live until they are read\n", err)
			}
			w.report(ctx)
			code, done = o.exitFor(verdict, timedOut, pw.LiveSettled(o.livePercent))
		}
		if done {
			return w.finish(ctx, verdict, code), nil
		}
		select {
		case <-ctx.Done():
			return 1, ctx.Err()
		case <-time.After(o.every):
		}
	}
}

// round reads what moved (events, builds, deployments), reports it, and
// returns the verdict; before a verdict other than running it looks once
// more across the account for builds of the commit.
func (w *pushWatch) round(ctx context.Context, workers []model.Worker) (model.PushVerdict, error) {
	pw, e := w.pw, w.e
	if pw.Pending() > 0 {
		// A round's share of the triggers not read yet, within the round's
		// time: the watch's bound holds whatever is left.
		rctx, cancel := model.Within(ctx, w.o.every)
		before := pw.Pending()
		_, err := pw.ReadPending(rctx, pendingPerRound)
		cancel()
		if pw.Pending() != before {
			w.cache.Save()
		}
		if err != nil && ctx.Err() == nil && rctx.Err() == nil {
			if err := retryOrGiveUp(e.stderr)(err); err != nil {
				return "", err
			}
		}
	}
	for {
		if err := pw.Replan(ctx, e.client, workers); err != nil {
			if err := retryOrGiveUp(e.stderr)(err); err != nil {
				return "", err
			}
		}
		if w.events != nil {
			b := w.events.Since(w.after)
			w.after = b.Next
			pw.ObserveEvents(b.Events, workers)
			if p := b.State.Problem; p != "" && p != w.said {
				w.said = p
				fmt.Fprintf(e.stderr, "cfbuilds: %s; polling meanwhile\n", p)
			}
		}
		if err := pw.Refresh(ctx, e.client); err != nil {
			if err := retryOrGiveUp(e.stderr)(err); err != nil {
				return "", err
			}
		}
		if w.o.live {
			// Each Worker as soon as its build succeeded: the others may
			// still be building.
			if err := pw.RefreshLive(ctx, e.client, w.o.livePercent); err != nil {
				if err := retryOrGiveUp(e.stderr)(err); err != nil {
					return "", err
				}
			}
		}
		w.sayNotes()
		w.report(ctx)
		w.postStatus(ctx, commitstatus.Pending, false)
		verdict := w.verdict()
		if verdict != model.PushRunning && verdict != model.PushNotLive {
			// Look once more before answering: a Worker nobody expected
			// may be building the commit.
			if added, err := pw.Sweep(ctx, e.client, workers); err == nil && added > 0 {
				continue
			}
		}
		return verdict, nil
	}
}

// confirmWithin bounds the last read of every Worker's deployments: a
// read that does not come back in time leaves the Worker unconfirmed,
// never live.
const confirmWithin = 10 * time.Second

// pendingPerRound is how many never-built Workers' triggers a round reads.
const pendingPerRound = 20

// Exit codes of watch --commit beyond 0 and 1.
const (
	exitTimedOut = 3 // the builds had not all ended by the timeout
	exitNotLive  = 4 // --live: the builds succeeded, not every Worker was live by the timeout
	exitNothing  = 5 // no Worker was expected and no build of the commit seen by the timeout
)

// exitFor is the exit code of a verdict, and whether the watch ends: 0
// succeeded (or every Worker live, with --live), 1 failed, 3 timed out
// before the builds ended, 4 the builds succeeded but not every Worker was
// live by the timeout (or a Worker is gone, which waiting cannot mend), 5
// nothing builds the push by the timeout. Nothing expected is never 0:
// builds start late, and until one is seen there is no evidence.
func (o *watchOptions) exitFor(v model.PushVerdict, timedOut, settled bool) (int, bool) {
	switch {
	case v == model.PushLive, v == model.PushSucceeded && !o.live:
		return 0, true
	case v == model.PushFailed:
		return 1, true
	case v == model.PushNotLive && settled:
		return exitNotLive, true
	case !timedOut:
		return 0, false
	case v == model.PushNothing:
		return exitNothing, true
	case v == model.PushNotLive:
		return exitNotLive, true
	}
	return exitTimedOut, true
}

// finish says the verdict, posts the final status and returns the code.
func (w *pushWatch) finish(ctx context.Context, v model.PushVerdict, code int) int {
	t := w.pw.Tally()
	switch {
	case code == exitNothing:
		w.say("No Worker builds this push after %s: %s.\n", w.o.timeout, w.pw.NothingReason())
	case code == exitTimedOut:
		w.say("Timed out after %s with %d of %d builds ended.\n", w.o.timeout, t.Done, t.Expected)
	case code == exitNotLive && w.pw.LiveSettled(w.o.livePercent):
		w.say("Not live: %s.\n", w.pw.LiveSummary(w.o.livePercent, 0))
	case code == exitNotLive:
		w.say("Timed out after %s: %s.\n", w.o.timeout, w.pw.LiveSummary(w.o.livePercent, 0))
	}
	state := commitstatus.Success
	switch code {
	case 0:
	case exitNothing:
		state = commitstatus.Error
	default:
		state = commitstatus.Failure
	}
	w.postFinal(ctx, state)
	var seen []model.Build
	for _, wl := range w.pw.LiveStates(w.o.livePercent) {
		if wl.Build.UUID != "" {
			wl.Build.WorkerName, wl.Build.WorkerTag = wl.Worker.Name, wl.Worker.Tag
			seen = append(seen, wl.Build)
		}
	}
	w.e.recordBuilds(ctx, seen)
	return w.end(code)
}

// pushWatch prints one watch --commit: the last state printed of each
// Worker's build, and whether a failure's log was shown.
type pushWatch struct {
	o            *watchOptions
	e            *env
	pw           *model.PushWatch
	states       map[string]string // Worker tag → the last state printed
	shownFailure bool

	events *api.EventReader // nil: no queue configured
	after  uint64
	said   string // the last events problem said

	cache *triggercache.Cache // the triggers read, kept for the next watch

	poster     *commitstatus.Poster // nil: no --status
	posted     string               // the last description posted
	postedAt   time.Time
	postFailed bool
}

// sayNotes says on stderr, once each, what planning could not read and
// where an event and the API disagreed.
func (w *pushWatch) sayNotes() {
	for _, n := range w.pw.NewNotes() {
		fmt.Fprintf(w.e.stderr, "cfbuilds: %s\n", n)
	}
}

func (w *pushWatch) say(format string, a ...any) {
	if !w.o.asJSON {
		fmt.Fprintf(w.e.stdout, format, a...)
	}
}

// end prints the verdict and returns the exit code.
func (w *pushWatch) end(code int) int {
	summary := w.pw.Summary()
	if r := w.pw.NothingReason(); r != "" {
		summary += " · " + r
	} else if w.o.live {
		summary += " · " + w.pw.LiveSummary(w.o.livePercent, 0)
	}
	if w.o.asJSON {
		writeEvent(w.e.stdout, event{Event: "end", Exit: &code, Summary: summary})
	} else {
		w.say("%s\n", summary)
	}
	return code
}

// verdict is the builds' verdict, or with --live the Workers'.
func (w *pushWatch) verdict() model.PushVerdict {
	if w.o.live {
		return w.pw.LiveVerdict(w.o.livePercent)
	}
	return w.pw.Verdict()
}

// report prints each Worker's change of state (with --live, of its
// deployment too) and the first failure's log tail.
func (w *pushWatch) report(ctx context.Context) {
	for _, wl := range w.pw.LiveStates(w.o.livePercent) {
		b, wk := wl.Build, wl.Worker
		if b.UUID == "" {
			continue // not started yet (a build can start late), or skipped by filters
		}
		deployment := ""
		if w.o.live && b.Finished() && b.Outcome.OK() {
			deployment = string(wl.State)
			if wl.Detail != "" {
				deployment += " (" + wl.Detail + ")"
			}
		}
		key := string(b.State()) + "|" + deployment
		if key != w.states[wk.Tag] {
			w.states[wk.Tag] = key
			if w.o.asJSON {
				ev := event{Event: "status", BuildUUID: b.UUID, Worker: wk.Name, Status: string(b.Status), Outcome: string(b.Outcome)}
				if deployment != "" {
					ev.Deployment, ev.LivePercent = string(wl.State), &wl.Percentage
				}
				writeEvent(w.e.stdout, ev)
			} else {
				line := string(b.State())
				if deployment != "" {
					line += ", " + deployment
				}
				fmt.Fprintf(w.e.stdout, "%s  %-20s %s  %s\n", time.Now().Format("15:04:05"), model.SanitizeInline(wk.Name), line, b.UUID)
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
