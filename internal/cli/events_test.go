package cli

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
)

// TestEventsSetupStatusTeardown (#30): setup says its plan and cost, makes
// the queue, its pull consumer and a subscription per Worker; a second run
// changes nothing; status counts the Workers subscribed; a read-only token
// is refused with the permission to add; teardown removes it all.
func TestEventsSetupStatusTeardown(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 5, PushEvery: -1, History: 1, Seed: 2})
	code, out, errs := runCLI(t, env, "events")
	if code != 2 || out != "" || !strings.Contains(errs, "no queue of build events is configured") {
		t.Fatalf("status without a queue: %d %q %s", code, out, errs)
	}
	ro := map[string]string{}
	for k, v := range env {
		ro[k] = v
	}
	ro["CLOUDFLARE_API_TOKEN"] = sim.DefaultReadOnlyToken
	if code, _, errs := runCLI(t, ro, "events", "setup", "--yes"); code != 1 || !strings.Contains(errs, "Queues") {
		t.Fatalf("a read-only token: %d %s", code, errs)
	}
	code, out, errs = runCLI(t, env, "events", "setup", "--yes")
	if code != 0 || !strings.Contains(out, "create the queue cfbuilds-events") || !strings.Contains(out, "subscribe 5 Workers") || !strings.Contains(out, "7 requests") {
		t.Fatalf("setup: %d\n%s%s", code, out, errs)
	}
	before := s.Requests()["total"]
	code, out, _ = runCLI(t, env, "events", "setup")
	if code != 0 || !strings.Contains(out, "Nothing to do") {
		t.Fatalf("second setup: %d %s", code, out)
	}
	_ = before
	env["CFBUILDS_EVENTS_QUEUE"] = "cfbuilds-events"
	code, out, _ = runCLI(t, env, "events", "--json")
	var st eventsStatus
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || !st.Found || st.Consumer != "http_pull" || st.Subscribed != 5 || st.Workers != 5 || st.Backlog == nil {
		t.Fatalf("status: %d %v %s", code, err, out)
	}
	code, out, _ = runCLI(t, env, "events")
	if code != 0 || !strings.Contains(out, "5 of 5 Workers subscribed") {
		t.Fatalf("status text: %s", out)
	}
	code, out, _ = runCLI(t, env, "events", "teardown", "--yes")
	if code != 0 || !strings.Contains(out, "Removed queue cfbuilds-events and its 5 subscriptions") {
		t.Fatalf("teardown: %d %s", code, out)
	}
	code, out, _ = runCLI(t, env, "events")
	if code != 1 || !strings.Contains(out, "not in this account") || !strings.Contains(out, "0 of 5 Workers subscribed") {
		t.Fatalf("after teardown (exit 1: no queue to read): %d %s", code, out)
	}
}

// TestEventsAmongManyQueues (#36.5): with 105 other queues in the account
// the queue is found past the first page (setup twice changes nothing);
// a DELETE that answers 404 while the queue stays is never "Removed".
func TestEventsAmongManyQueues(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 3, PushEvery: -1})
	s.AddQueues(105)
	for i, want := range []string{"create the queue cfbuilds-events", "Nothing to do"} {
		if code, out, errs := runCLI(t, env, "events", "setup", "--yes"); code != 0 || !strings.Contains(out, want) {
			t.Fatalf("setup %d: exit %d, want %q:\n%s%s", i+1, code, want, out, errs)
		}
	}
	if code, out, errs := runCLI(t, env, "events", "--queue", "cfbuilds-events"); code != 0 || !strings.Contains(out, "3 of 3 Workers subscribed") {
		t.Fatalf("status: %d\n%s%s", code, out, errs)
	}
	s.BreakQueueDelete()
	code, out, errs := runCLI(t, env, "events", "teardown", "--queue", "cfbuilds-events", "--yes")
	if code == 0 || strings.Contains(out, "Removed") || !strings.Contains(errs, "still there") {
		t.Fatalf("a DELETE answering 404 said removed: %d\n%s%s", code, out, errs)
	}
}

// TestEventsBesideCloudflaresNotifications (#36.1): 2 of 5 Workers already
// send their events to builds-notify, consumed by a Worker. setup says so
// and never "every Worker"; status lists them apart; --take-over moves them
// after saving what it replaced, and teardown --restore puts them back.
func TestEventsBesideCloudflaresNotifications(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 5, PushEvery: -1})
	env["XDG_STATE_HOME"], env["CFBUILDS_EVENTS_QUEUE"] = t.TempDir(), "cfbuilds-events"
	ws := s.Workers()
	s.AddForeignQueue("builds-notify", "builds-notifications", ws[0][0], ws[1][0])
	code, out, errs := runCLI(t, env, "events", "setup", "--yes")
	if code != 0 || !strings.Contains(out, "leave alone: 2 send to builds-notify (consumed by the Worker builds-notifications)") ||
		!strings.Contains(out, "3 of 5 Workers now send here; 2 send to builds-notify (consumed by the Worker builds-notifications)") ||
		strings.Contains(out, "every Worker") {
		t.Fatalf("setup: %d\n%s%s", code, out, errs)
	}
	var st eventsStatus
	code, out, _ = runCLI(t, env, "events", "--json")
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || st.Subscribed != 3 || len(st.NotSubscribed) != 0 ||
		len(st.SubscribedElsewhere) != 2 || st.SubscribedElsewhere[0].Queue != "builds-notify" || !strings.Contains(st.SubscribedElsewhere[0].Consumer, "builds-notifications") {
		t.Fatalf("status: %d %v %s", code, err, out)
	}
	if code, out, _ := runCLI(t, env, "events"); code != 0 || !strings.Contains(out, "3 of 5 Workers subscribed") || !strings.Contains(out, "2 send to builds-notify") {
		t.Fatalf("status text: %d %s", code, out)
	}
	code, out, errs = runCLI(t, env, "events", "setup", "--take-over", "--yes")
	if code != 0 || !strings.Contains(out, "that consumer stops receiving their build events") || !strings.Contains(out, "all 5 Workers now send here") {
		t.Fatalf("take-over: %d\n%s%s", code, out, errs)
	}
	m := regexp.MustCompile(`Saved the 2 subscriptions to replace in (\S+)\.`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("take-over named no file:\n%s", out)
	}
	code, out, errs = runCLI(t, env, "events", "teardown", "--restore", m[1], "--yes")
	if code != 0 || !strings.Contains(out, "Put back 2 subscriptions") {
		t.Fatalf("restore: %d\n%s%s", code, out, errs)
	}
	st = eventsStatus{}
	_, out, _ = runCLI(t, env, "events", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Subscribed != 3 || len(st.SubscribedElsewhere) != 2 {
		t.Fatalf("after restore: %v %s", err, out)
	}
}

// Cloudflare's refusal of a second subscription for one Worker is known
// for what it is: subscribed elsewhere, not a failed setup (#36.1).
func TestASecondSubscriptionIsRefusedAsElsewhere(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1})
	q := s.AddForeignQueue("builds-notify", "builds-notifications", s.Workers()[0][0])
	c, err := api.New(env["CLOUDFLARE_ACCOUNT_ID"], env["CLOUDFLARE_API_TOKEN"], api.WithBaseURL(env["CLOUDFLARE_API_BASE_URL"]))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Subscribe(context.Background(), s.Workers()[0][0], q)
	if err == nil || !refusedAsElsewhere(err) {
		t.Fatalf("a second subscription: %v", err)
	}
	if refusedAsElsewhere(errors.New("HTTP 400: invalid body")) {
		t.Fatal("any 400 taken as subscribed elsewhere")
	}
}

// TestServeSubscribesNewWorkers (#36.2): with [events] subscribe_new, a
// Worker made after setup is subscribed to the queue; one subscribed to
// another queue is left alone; a read-only token is said once and stops.
func TestServeSubscribesNewWorkers(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 3, PushEvery: -1})
	s.SetupEvents("cfbuilds-events")
	fresh, elsewhere := s.AddWorker(), s.AddWorker()
	s.AddForeignQueue("builds-notify", "builds-notifications", elsewhere)
	c, err := api.New(env["CLOUDFLARE_ACCOUNT_ID"], env["CLOUDFLARE_API_TOKEN"], api.WithBaseURL(env["CLOUDFLARE_API_BASE_URL"]))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n, err := subscribeMissing(context.Background(), c, "cfbuilds-events"); err != nil || n != 1 {
		t.Fatalf("subscribed %d (%v), want the one new Worker, %s", n, err, fresh)
	}
	if n, err := subscribeMissing(context.Background(), c, "cfbuilds-events"); err != nil || n != 0 {
		t.Fatalf("a second look subscribed %d (%v)", n, err)
	}
	ro, err := api.New(env["CLOUDFLARE_ACCOUNT_ID"], sim.DefaultReadOnlyToken, api.WithBaseURL(env["CLOUDFLARE_API_BASE_URL"]))
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	s.AddWorker()
	var log strings.Builder
	subscribeNewWorkers(context.Background(), ro, "cfbuilds-events", time.Hour, &log) // returns: the token may not
	if strings.Count(log.String(), "subscribe_new is off") != 1 {
		t.Fatalf("log: %q", log.String())
	}
}
