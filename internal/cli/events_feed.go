package cli

// The build events a command reads when a queue is configured ([events]
// queue, CFBUILDS_EVENTS_QUEUE, --events-queue): one reader per process.

import (
	"context"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

// startEvents starts reading the configured queue until ctx ends; nil when
// none is configured (polling only, as before).
func (e *env) startEvents(ctx context.Context) model.EventFeed {
	if e.cfg.EventsQueue == "" {
		return nil
	}
	r := api.NewEventReader(e.client, e.cfg.EventsQueue, e.cfg.EventsPull, e.client.Debugf)
	go r.Run(ctx)
	return r
}
