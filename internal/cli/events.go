package cli

// cfbuilds events: the queue of build events, and setting it up. status
// says what is there (the queue, its consumer, its backlog, which Workers
// send their events to it); setup makes what is missing (the queue, its
// HTTP pull consumer, a subscription per Worker) after saying what it will
// do and what it costs; teardown removes what setup made. Setup and
// teardown read what is there first, so a second run changes nothing and
// an interrupted one resumes.

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

func eventsCommand() command {
	return command{name: "events", args: "[status | setup [--take-over] | teardown [--restore FILE]] [--queue NAME] [--yes] [--json]",
		summary: "the queue of build events: status (default; exit 1 when the queue is missing or cannot be read), setup (queue, pull consumer, a subscription per Worker), teardown",
		example: "cfbuilds events setup --queue cfbuilds-events\ncfbuilds events --json",
		opts:    func() options { return &eventsOptions{} }}
}

type eventsOptions struct {
	action, queue string
	yes, asJSON   bool
	takeOver      bool   // setup: move Workers' subscriptions from other queues here
	restore       string // teardown: put back the subscriptions a take-over saved
}

func (o *eventsOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.queue, "queue", "", "the queue, by `name` or id (default: [events] queue, CFBUILDS_EVENTS_QUEUE, --events-queue; setup: cfbuilds-events)")
	fs.BoolVar(&o.yes, "yes", false, "do not ask (needed when stdin is not a terminal)")
	fs.BoolVar(&o.asJSON, "json", false, "status as JSON")
	fs.BoolVar(&o.takeOver, "take-over", false, "setup: move the Workers that send their events to another queue here (that queue's consumer stops receiving them; the subscriptions replaced are saved to a file)")
	fs.StringVar(&o.restore, "restore", "", "teardown: put back the subscriptions a take-over saved in `FILE`")
}

func (o *eventsOptions) validate(args []string) error {
	if len(args) > 1 {
		return usagef("events takes one action: status, setup or teardown (see cfbuilds events --help)")
	}
	o.action = "status"
	if len(args) == 1 {
		o.action = args[0]
	}
	switch {
	case o.takeOver && o.action != "setup":
		return usagef("--take-over goes with events setup")
	case o.restore != "" && o.action != "teardown":
		return usagef("--restore goes with events teardown")
	}
	switch o.action {
	case "status", "setup", "teardown":
		return nil
	}
	return usagef("events: unknown action %q: status, setup or teardown", model.SanitizeInline(o.action))
}

// defaultEventsQueue is the queue setup makes when none is named.
const defaultEventsQueue = "cfbuilds-events"

func (o *eventsOptions) run(ctx context.Context, e *env) error {
	name := cmp.Or(o.queue, e.cfg.EventsQueue)
	switch o.action {
	case "setup":
		return o.setup(ctx, e, cmp.Or(name, defaultEventsQueue))
	case "teardown":
		if name == "" {
			return usagef("events teardown: name the queue with --queue (or [events] queue)")
		}
		if o.restore != "" {
			return o.restoreSubscriptions(ctx, e, name)
		}
		return o.teardown(ctx, e, name)
	}
	if name == "" {
		return usagef("no queue of build events is configured: set [events] queue, CFBUILDS_EVENTS_QUEUE or --events-queue, or make one with cfbuilds events setup")
	}
	return o.status(ctx, e, name)
}

// eventsStatus is `events --json`.
type eventsStatus struct {
	Queue         string   `json:"queue"`
	QueueID       string   `json:"queue_id,omitempty"`
	Found         bool     `json:"found"`
	Consumer      string   `json:"consumer,omitempty"`
	Backlog       *int     `json:"backlog,omitempty"`
	Workers       int      `json:"workers"`
	Subscribed    int      `json:"subscribed"`
	NotSubscribed []string `json:"not_subscribed"`
	// SubscribedElsewhere are the Workers whose events go to another
	// queue (one subscription per Worker: they cannot also come here).
	SubscribedElsewhere []elsewhereOut `json:"subscribed_elsewhere"`
}

type elsewhereOut struct {
	Worker   string `json:"worker"`
	Queue    string `json:"queue"`
	Consumer string `json:"consumer"`
}

// survey is what there is: the queue, the account's Workers, and where
// each sends its events: to the queue, to another one, or nowhere.
type survey struct {
	queue     api.Queue
	found     bool
	workers   []model.Worker
	subs      []api.Subscription // to this queue
	missing   []model.Worker     // Workers with no subscription at all
	elsewhere []foreignSub       // Workers subscribed to another queue
}

// foreignSub is a Worker's subscription to a queue cfbuilds does not read.
type foreignSub struct {
	Sub   api.Subscription
	Queue api.Queue // ID alone when the queue is not listed
}

func surveyEvents(ctx context.Context, c *api.Client, name string) (survey, error) {
	var s survey
	qs, err := c.Queues(ctx)
	if err != nil {
		return s, err
	}
	byID := map[string]api.Queue{}
	for _, q := range qs {
		byID[q.ID] = q
		if !s.found && (q.Name == name || strings.EqualFold(q.ID, name)) {
			s.queue, s.found = q, true
		}
	}
	if s.workers, err = c.Workers(ctx); err != nil {
		return s, err
	}
	subs, err := c.Subscriptions(ctx)
	if err != nil {
		return s, err
	}
	subscribed := map[string]bool{}
	for _, sub := range subs {
		subscribed[sub.Worker] = true
		switch q, listed := byID[sub.QueueID]; {
		case s.found && sub.QueueID == s.queue.ID:
			s.subs = append(s.subs, sub)
		case listed:
			s.elsewhere = append(s.elsewhere, foreignSub{Sub: sub, Queue: q})
		default:
			s.elsewhere = append(s.elsewhere, foreignSub{Sub: sub, Queue: api.Queue{ID: sub.QueueID, Name: sub.QueueID}})
		}
	}
	for _, w := range s.workers {
		if !subscribed[w.Name] {
			s.missing = append(s.missing, w)
		}
	}
	return s, nil
}

// elsewhereLines says, a line per other queue, which Workers send there
// and what consumes it: "5 send to builds-notify (consumed by the Worker
// builds-notifications): api, auth, …".
func elsewhereLines(fs []foreignSub) []string {
	byQueue := map[string][]string{}
	queues := map[string]api.Queue{}
	var order []string
	for _, f := range fs {
		if _, seen := queues[f.Queue.ID]; !seen {
			order = append(order, f.Queue.ID)
			queues[f.Queue.ID] = f.Queue
		}
		byQueue[f.Queue.ID] = append(byQueue[f.Queue.ID], f.Sub.Worker)
	}
	var out []string
	for _, id := range order {
		q, ws := queues[id], byQueue[id]
		shown, more := ws[:min(len(ws), 8)], ""
		if len(ws) > 8 {
			more = fmt.Sprintf(" and %d more", len(ws)-8)
		}
		out = append(out, fmt.Sprintf("%d send to %s (%s): %s%s", len(ws), model.SanitizeInline(q.Name), q.Consumer(),
			model.SanitizeInline(strings.Join(shown, ", ")), more))
	}
	return out
}

// refusedAsElsewhere reports Cloudflare's refusal of a second
// subscription for one Worker (API.md: HTTP 400 "We currently do not
// support multiple subscriptions on the same resource.", or 405): the
// Worker was subscribed elsewhere meanwhile, not a failed setup.
func refusedAsElsewhere(err error) bool {
	var ae *api.Error
	return errors.As(err, &ae) && (ae.Status == 400 || ae.Status == 405) && strings.Contains(strings.ToLower(ae.Error()), "multiple subscriptions")
}

func (o *eventsOptions) status(ctx context.Context, e *env, name string) error {
	s, err := surveyEvents(ctx, e.client, name)
	if err != nil {
		return err
	}
	st := eventsStatus{Queue: name, QueueID: s.queue.ID, Found: s.found, Consumer: s.queue.ConsumerType, Workers: len(s.workers),
		Subscribed: len(s.subs), NotSubscribed: []string{}, SubscribedElsewhere: []elsewhereOut{}}
	for _, w := range s.missing {
		st.NotSubscribed = append(st.NotSubscribed, w.Name)
	}
	for _, f := range s.elsewhere {
		st.SubscribedElsewhere = append(st.SubscribedElsewhere, elsewhereOut{Worker: f.Sub.Worker, Queue: f.Queue.Name, Consumer: f.Queue.Consumer()})
	}
	if s.found {
		if n := e.client.Backlog(ctx, s.queue.ID); n >= 0 {
			st.Backlog = &n
		}
	}
	if o.asJSON {
		if err := writeJSON(e.stdout, st); err != nil {
			return err
		}
	} else {
		printEventsStatus(e.stdout, st, elsewhereLines(s.elsewhere))
	}
	if !st.Found || st.Consumer != "http_pull" {
		return exitCode(1) // a script can tell: no events can be read from it
	}
	return nil
}

func printEventsStatus(out io.Writer, st eventsStatus, elsewhere []string) {
	if !st.Found {
		fmt.Fprintf(out, "queue %s: not in this account (cfbuilds events setup --queue %s makes it)\n", model.SanitizeInline(st.Queue), model.SanitizeInline(st.Queue))
	} else {
		consumer := "no consumer: cfbuilds events setup adds an HTTP pull consumer"
		if st.Consumer == "http_pull" {
			consumer = "HTTP pull consumer"
		} else if st.Consumer != "" {
			consumer = "a " + model.SanitizeInline(st.Consumer) + " consumer, not an HTTP pull one: cfbuilds cannot read it"
		}
		fmt.Fprintf(out, "queue %s (%s): %s\n", model.SanitizeInline(st.Queue), st.QueueID, consumer)
		if st.Backlog != nil {
			fmt.Fprintf(out, "backlog: %d messages waiting\n", *st.Backlog)
		}
	}
	fmt.Fprintf(out, "%d of %d Workers subscribed\n", st.Subscribed, st.Workers)
	if n := len(st.NotSubscribed); n > 0 {
		shown := st.NotSubscribed[:min(n, 10)]
		more := ""
		if n > 10 {
			more = fmt.Sprintf(" and %d more", n-10)
		}
		fmt.Fprintf(out, "not subscribed: %s%s (cfbuilds events setup subscribes them)\n", model.SanitizeInline(strings.Join(shown, ", ")), more)
	}
	for _, l := range elsewhere {
		fmt.Fprintf(out, "%s; they stay polled (events setup --take-over moves them here)\n", l)
	}
	fmt.Fprintln(out, "last event: the dashboard's status bar says how old the last one is (reading here would take them from the dashboards)")
}

func (o *eventsOptions) setup(ctx context.Context, e *env, name string) error {
	s, err := surveyEvents(ctx, e.client, name)
	if err != nil {
		return err
	}
	var plan []string
	cost := 0
	if !s.found {
		plan, cost = append(plan, "create the queue "+model.SanitizeInline(name)), cost+1
	}
	if s.queue.ConsumerType != "http_pull" {
		if s.queue.ConsumerType != "" {
			return fmt.Errorf("queue %s has a %s consumer; a queue has one consumer, and cfbuilds reads with an HTTP pull one: use another queue (--queue)",
				model.SanitizeInline(name), model.SanitizeInline(s.queue.ConsumerType))
		}
		plan, cost = append(plan, "give it an HTTP pull consumer"), cost+1
	}
	if n := len(s.missing); n > 0 {
		plan, cost = append(plan, fmt.Sprintf("subscribe %d Workers to their build events (one request each)", n)), cost+n
	}
	takeOver := o.takeOver && len(s.elsewhere) > 0
	for _, l := range elsewhereLines(s.elsewhere) {
		if takeOver {
			plan = append(plan, "take over: "+l+"; that consumer stops receiving their build events")
		} else {
			plan = append(plan, "leave alone: "+l+"; they stay polled (--take-over moves them here)")
		}
	}
	var saveTo string
	if takeOver {
		cost += 2 * len(s.elsewhere)
		saveTo = replacedFile(e)
		plan = append(plan, "save the subscriptions replaced to "+saveTo+" (events teardown --restore puts them back)")
	}
	if len(s.missing) == 0 && !takeOver && s.found && s.queue.ConsumerType == "http_pull" {
		fmt.Fprintf(e.stdout, "Nothing to do: queue %s has its pull consumer; %s.\n", model.SanitizeInline(name), whereEventsGo(len(s.subs), len(s.workers), s.elsewhere))
		return nil
	}
	fmt.Fprintf(e.stdout, "Set up build events on queue %s:\n", model.SanitizeInline(name))
	for _, p := range plan {
		fmt.Fprintf(e.stdout, "  - %s\n", p)
	}
	fmt.Fprintf(e.stdout, "%d requests of the budget%s.\n", cost, budgetNote(cost, e.client.Usage()))
	if ok, err := confirm(e, o.yes, "Go on", "Nothing changed."); !ok || err != nil {
		return err
	}
	c := e.client
	q := s.queue
	if !s.found {
		if q, err = c.CreateQueue(ctx, name); err != nil {
			return err
		}
	}
	if q.ConsumerType != "http_pull" {
		if err := c.CreatePullConsumer(ctx, q.ID); err != nil {
			return err
		}
	}
	here := len(s.subs)
	var refused []string
	for i, w := range s.missing {
		err := c.Subscribe(ctx, w.Name, q.ID)
		switch {
		case refusedAsElsewhere(err):
			refused = append(refused, w.Name) // subscribed elsewhere meanwhile: not a failure
		case err != nil:
			return fmt.Errorf("%w (%d of %d Workers subscribed; run setup again to go on)", err, i, len(s.missing))
		default:
			here++
		}
		if (i+1)%20 == 0 && i+1 < len(s.missing) {
			fmt.Fprintf(e.stderr, "cfbuilds: subscribed %d of %d Workers\n", i+1, len(s.missing))
		}
	}
	elsewhere := s.elsewhere
	if takeOver {
		moved, err := o.takeOverSubscriptions(ctx, e, q, s.elsewhere, saveTo)
		here += moved
		elsewhere = s.elsewhere[moved:]
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "Done: queue %s (%s): %s.", model.SanitizeInline(name), q.ID, whereEventsGo(here, len(s.workers), elsewhere))
	if len(refused) > 0 {
		fmt.Fprintf(e.stdout, " %d were refused as subscribed elsewhere meanwhile (%s): cfbuilds events says where.", len(refused), model.SanitizeInline(strings.Join(refused[:min(len(refused), 5)], ", ")))
	}
	fmt.Fprintf(e.stdout, " Read them with [events] queue = %q in the configuration, or CFBUILDS_EVENTS_QUEUE.\n", name)
	return nil
}

// whereEventsGo is the one honest sentence on coverage: "all 23 Workers
// now send here", or "18 of 23 Workers now send here; 5 send to
// builds-notify (consumed by the Worker builds-notifications): they stay
// polled".
func whereEventsGo(here, workers int, elsewhere []foreignSub) string {
	if here >= workers {
		return fmt.Sprintf("all %d Workers now send here", workers)
	}
	s := fmt.Sprintf("%d of %d Workers now send here", here, workers)
	for _, l := range elsewhereLines(elsewhere) {
		s += "; " + l + ": they stay polled"
	}
	return s
}

// budgetNote says how long a cost takes at the process's share, when long.
func budgetNote(n int, b model.Budget) string {
	if d := budgetTime(n, b); d > 0 {
		return ", about " + model.FormatDuration(d) + " at this process's share of it"
	}
	return ""
}

func (o *eventsOptions) teardown(ctx context.Context, e *env, name string) error {
	s, err := surveyEvents(ctx, e.client, name)
	if err != nil {
		return err
	}
	if !s.found {
		fmt.Fprintf(e.stdout, "Nothing to do: there is no queue %s.\n", model.SanitizeInline(name))
		return nil
	}
	fmt.Fprintf(e.stdout, "Remove %d subscriptions to queue %s, then the queue (%d requests).\n", len(s.subs), model.SanitizeInline(name), len(s.subs)+1)
	if ok, err := confirm(e, o.yes, "Go on", "Nothing changed."); !ok || err != nil {
		return err
	}
	for i, sub := range s.subs {
		if err := e.client.Unsubscribe(ctx, sub.ID); err != nil && !errorsIsNotFound(err) {
			return fmt.Errorf("%w (%d of %d removed; run teardown again to go on)", err, i, len(s.subs))
		}
	}
	if err := e.client.DeleteQueue(ctx, s.queue.ID); err != nil {
		if !errorsIsNotFound(err) {
			return err
		}
		// A 404 to the DELETE says nothing for sure: look.
		if _, ferr := e.client.FindQueue(ctx, s.queue.ID); ferr == nil {
			return fmt.Errorf("the queue %s is still there: its DELETE answered %v; nothing was removed (run teardown again, or remove it in the dashboard)", model.SanitizeInline(name), err)
		} else if !errorsIsNotFound(ferr) {
			return fmt.Errorf("could not tell whether the queue %s was removed: %w", model.SanitizeInline(name), ferr)
		}
	}
	fmt.Fprintf(e.stdout, "Removed queue %s and its %d subscriptions.\n", model.SanitizeInline(name), len(s.subs))
	return nil
}

func errorsIsNotFound(err error) bool { return errors.Is(err, api.ErrNotFound) }
