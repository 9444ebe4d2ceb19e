package cli

// Moving Workers' event subscriptions: events setup --take-over and
// teardown --restore, and serve's [events] subscribe_new.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

// replacedFile is where a take-over saves the subscriptions it replaces:
// in the state directory, named by the time, never overwritten.
func replacedFile(e *env) string {
	dir := xdgPath(e.getenv, "XDG_STATE_HOME", filepath.Join(".local", "state"), "")
	return filepath.Join(dir, "subscriptions-replaced-"+time.Now().UTC().Format("20060102T150405Z")+".json")
}

// savedSubscription is one replaced subscription in the take-over's file.
type savedSubscription struct {
	Worker    string   `json:"worker"`
	Name      string   `json:"name"`
	QueueID   string   `json:"queue_id"`
	QueueName string   `json:"queue_name"`
	Consumer  string   `json:"consumer"`
	Events    []string `json:"events"`
}

// takeOverSubscriptions saves the subscriptions first, then moves each
// Worker here (delete, then subscribe: one per Worker). It returns how
// many moved; the ones after a failure are left where they were.
func (o *eventsOptions) takeOverSubscriptions(ctx context.Context, e *env, q api.Queue, fs []foreignSub, file string) (int, error) {
	saved := make([]savedSubscription, 0, len(fs))
	for _, f := range fs {
		saved = append(saved, savedSubscription{Worker: f.Sub.Worker, Name: f.Sub.Name, QueueID: f.Queue.ID, QueueName: f.Queue.Name,
			Consumer: f.Queue.Consumer(), Events: f.Sub.Events})
	}
	raw, _ := json.MarshalIndent(saved, "", "  ")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return 0, fmt.Errorf("save the subscriptions to replace: %w (nothing was moved)", err)
	}
	if err := os.WriteFile(file, append(raw, '\n'), 0o600); err != nil {
		return 0, fmt.Errorf("save the subscriptions to replace: %w (nothing was moved)", err)
	}
	fmt.Fprintf(e.stdout, "Saved the %d subscriptions to replace in %s.\n", len(saved), file)
	for i, f := range fs {
		if err := e.client.Unsubscribe(ctx, f.Sub.ID); err != nil && !errorsIsNotFound(err) {
			return i, fmt.Errorf("%w (%d of %d moved; %s has them all: events teardown --restore %s puts them back)", err, i, len(fs), file, file)
		}
		if err := e.client.Subscribe(ctx, f.Sub.Worker, q.ID); err != nil {
			return i, fmt.Errorf("%w: %s now sends its events nowhere (%d of %d moved; events teardown --restore %s puts them back)",
				err, model.SanitizeInline(f.Sub.Worker), i, len(fs), file)
		}
	}
	return len(fs), nil
}

// restoreSubscriptions puts back what a take-over replaced: each Worker's
// subscription to this queue removed, its old one made again.
func (o *eventsOptions) restoreSubscriptions(ctx context.Context, e *env, name string) error {
	raw, err := os.ReadFile(o.restore)
	if err != nil {
		return usagef("--restore: %v", err)
	}
	var saved []savedSubscription
	if err := json.Unmarshal(raw, &saved); err != nil {
		return usagef("--restore: %s is not a file events setup --take-over saved: %v", o.restore, err)
	}
	s, err := surveyEvents(ctx, e.client, name)
	if err != nil {
		return err
	}
	ours := map[string]api.Subscription{}
	for _, sub := range s.subs {
		ours[sub.Worker] = sub
	}
	fmt.Fprintf(e.stdout, "Put back %d subscriptions (%d requests): each Worker's events go to the queue they went to before.\n", len(saved), 2*len(saved))
	if ok, err := confirm(e, o.yes, "Go on", "Nothing changed."); !ok || err != nil {
		return err
	}
	for i, sv := range saved {
		if sub, ok := ours[sv.Worker]; ok {
			if err := e.client.Unsubscribe(ctx, sub.ID); err != nil && !errorsIsNotFound(err) {
				return fmt.Errorf("%w (%d of %d put back; run it again to go on)", err, i, len(saved))
			}
		}
		err := e.client.SubscribeTo(ctx, api.Subscription{Name: sv.Name, Worker: sv.Worker, QueueID: sv.QueueID, Events: sv.Events})
		if err != nil && !refusedAsElsewhere(err) {
			return fmt.Errorf("%w (%d of %d put back; run it again to go on)", err, i, len(saved))
		}
	}
	fmt.Fprintf(e.stdout, "Put back %d subscriptions from %s.\n", len(saved), o.restore)
	return nil
}

// subscribeNewEvery is how often serve looks for Workers to subscribe.
const subscribeNewEvery = 10 * time.Minute

// subscribeNewWorkers is serve's [events] subscribe_new: now and every
// every, the Workers whose build events go nowhere are subscribed to the
// queue. Workers subscribed elsewhere are left alone; a token that may not
// subscribe is said once and the loop ends; other failures are said once
// each and tried again next time.
func subscribeNewWorkers(ctx context.Context, c *api.Client, queue string, every time.Duration, log io.Writer) {
	ctx = model.WithPriority(ctx, model.Sweep)
	said := map[string]bool{}
	say := func(format string, a ...any) {
		if msg := fmt.Sprintf(format, a...); !said[msg] {
			said[msg] = true
			fmt.Fprintf(log, "cfbuilds serve: %s\n", msg)
		}
	}
	for {
		n, err := subscribeMissing(ctx, c, queue)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, api.ErrForbidden) || errors.Is(err, api.ErrUnauthorized):
			say("events.subscribe_new is off: the token may not subscribe Workers (%v); give it Queues Write, or subscribe them with cfbuilds events setup", err)
			return
		case err != nil:
			say("could not subscribe new Workers to %s: %v; trying again in %s", model.SanitizeInline(queue), err, every)
		case n > 0:
			fmt.Fprintf(log, "cfbuilds serve: subscribed %d new Workers to %s\n", n, model.SanitizeInline(queue))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// subscribeMissing subscribes to queue the Workers that send their events
// nowhere; it returns how many it subscribed.
func subscribeMissing(ctx context.Context, c *api.Client, queue string) (int, error) {
	s, err := surveyEvents(ctx, c, queue)
	if err != nil {
		return 0, err
	}
	if !s.found {
		return 0, fmt.Errorf("no queue %s in this account", model.SanitizeInline(queue))
	}
	n := 0
	for _, w := range s.missing {
		err := c.Subscribe(ctx, w.Name, s.queue.ID)
		switch {
		case refusedAsElsewhere(err):
		case err != nil:
			return n, err
		default:
			n++
		}
	}
	return n, nil
}
