package cli

// The local history as the dashboard, serve, watch and mcp use it: a
// recorder of what they see, and a reader for the stats view and
// get_stats. The history is a cache: when it cannot be opened these say
// so once and the command goes on without it.

import (
	"context"
	"fmt"

	"github.com/cfbuilds/cfbuilds/internal/history"
	"github.com/cfbuilds/cfbuilds/model"
)

// historyFor opens the history for a long-running command: its recorder
// (ended with ctx) and its stats reader; nils when it is off or cannot be
// opened, and a close to defer.
func (e *env) historyFor(ctx context.Context) (model.BuildRecorder, model.StatsReader, func()) {
	h, err := e.openHistory(ctx)
	if err != nil {
		if err != history.ErrOff {
			fmt.Fprintf(e.stderr, "cfbuilds: no build history this run: %v\n", err)
		}
		return nil, nil, func() {}
	}
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	rec := h.Recorder(rctx)
	c := e.client
	reader := history.Reader{H: h, Included: e.cfg.IncludedMins, Limits: c.AccountLimits,
		Sync: func(ctx context.Context) error {
			ws, err := c.Workers(ctx)
			if err != nil {
				return err
			}
			if _, err = h.Sync(model.WithPriority(ctx, model.Sweep), c, pagerOf(c), ws, nil); err != nil {
				return err
			}
			learnFailures(ctx, c, h) // the phases get_build would say, not "unknown"
			return nil
		}}
	return rec, reader, func() {
		stop()
		rec.Wait()
		_ = h.Close()
	}
}

// recordBuilds keeps what a short command saw (watch) in the history, at
// its end; a history that cannot be opened costs nothing but that.
func (e *env) recordBuilds(ctx context.Context, builds []model.Build) {
	if len(builds) == 0 || builds[0].UUID == "" || !e.cfg.History || e.global.demo {
		return
	}
	h, err := e.openHistory(ctx)
	if err != nil {
		return
	}
	defer h.Close()
	_ = h.Record(context.WithoutCancel(ctx), builds)
}
