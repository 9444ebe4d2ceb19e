package cli

// The build events a command reads when a queue is configured ([events]
// queue, CFBUILDS_EVENTS_QUEUE, --events-queue): one reader per process.

import (
	"context"

	"github.com/cfbuilds/cfbuilds/model"

	"github.com/cfbuilds/cfbuilds/api"
)

// startEvents starts reading the configured queue until ctx ends; nil when
// none is configured (polling only, as before).
func (e *env) startEvents(ctx context.Context) *api.EventReader {
	if e.cfg.EventsQueue == "" {
		return nil
	}
	r := api.NewEventReader(e.client, e.cfg.EventsQueue, e.cfg.EventsPull, e.client.Debugf)
	go r.Run(ctx)
	return r
}

// eventFeed is the reader as the dashboard takes it: nil (no feed) when
// there is none, not a nil reader inside an interface.
func eventFeed(r *api.EventReader) model.EventFeed {
	if r == nil {
		return nil
	}
	return r
}
