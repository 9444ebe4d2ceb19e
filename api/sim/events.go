package sim

// Build events through Queues (API.md, "Build events"): queues, their HTTP
// pull consumer, event subscriptions (one per Worker), and the events the
// simulated builds emit as they start and end, pulled and acknowledged as
// Cloudflare's pull consumers are. EventFaults makes delivery as loose as
// the real one may be: duplicated, reordered, delayed, dropped.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// EventFaults loosen the delivery of build events.
type EventFaults struct {
	Duplicate float64       // probability an event is delivered twice
	Reorder   bool          // a pull answers its messages in a shuffled order
	Delay     time.Duration // an event becomes visible up to this late
	Drop      float64       // probability an event is never delivered
}

// DefaultQueue is the queue the demo's account has set up.
const DefaultQueue = "cfbuilds-events"

type simQueue struct {
	id, name string
	created  time.Time
	consumer string // the HTTP pull consumer's id ("" none)
	// workerConsumer is the Worker script that consumes the queue instead
	// ("" none): Cloudflare's build-notifications template sets one up.
	workerConsumer string
	msgs           []*queueMsg
	next           int
	maxTries       int
}

type queueMsg struct {
	id        string
	body      []byte
	sent      time.Time
	visibleAt time.Time
	lease     string
	attempts  int
}

type subscription struct {
	id, name, worker, queueID string
	events                    []string
	created                   time.Time
}

// buildEvents are the four a subscription delivers.
var buildEvents = []string{"build.started", "build.succeeded", "build.failed", "build.canceled"}

var (
	reQueueConsumers = regexp.MustCompile(`^/queues/([^/]+)/consumers$`)
	reQueueConsumer  = regexp.MustCompile(`^/queues/[^/]+/consumers/([^/]+)$`)
	reQueuePull      = regexp.MustCompile(`^/queues/([^/]+)/messages/pull$`)
	reQueueAck       = regexp.MustCompile(`^/queues/([^/]+)/messages/ack$`)
	reQueueMetrics   = regexp.MustCompile(`^/queues/([^/]+)/metrics$`)
	reQueue          = regexp.MustCompile(`^/queues/([^/]+)$`)
	reSubscription   = regexp.MustCompile(`^/event_subscriptions/subscriptions/([^/]+)$`)
)

// eventRoutes are the Queues and event-subscription endpoints.
var eventRoutes = []route{
	{"GET", "/queues", nil, func(s *Sim, w http.ResponseWriter, r *http.Request, _ string) { s.serveQueues(w, r) }},
	{"POST", "/queues", nil, func(s *Sim, w http.ResponseWriter, r *http.Request, _ string) { s.serveCreateQueue(w, r) }},
	{"POST", "", reQueueConsumers, (*Sim).serveCreateConsumer},
	{"DELETE", "", reQueueConsumer, func(s *Sim, w http.ResponseWriter, r *http.Request, id string) { s.serveDeleteConsumer(w, r) }},
	{"POST", "", reQueuePull, (*Sim).servePull},
	{"POST", "", reQueueAck, (*Sim).serveAck},
	{"GET", "", reQueueMetrics, func(s *Sim, w http.ResponseWriter, _ *http.Request, id string) { s.serveMetrics(w, id) }},
	{"DELETE", "", reQueue, func(s *Sim, w http.ResponseWriter, _ *http.Request, id string) { s.serveDeleteQueue(w, id) }},
	{"GET", "/event_subscriptions/subscriptions", nil, func(s *Sim, w http.ResponseWriter, r *http.Request, _ string) { s.serveSubscriptions(w, r) }},
	{"POST", "/event_subscriptions/subscriptions", nil, func(s *Sim, w http.ResponseWriter, r *http.Request, _ string) { s.serveSubscribe(w, r) }},
	{"DELETE", "", reSubscription, func(s *Sim, w http.ResponseWriter, _ *http.Request, id string) { s.serveUnsubscribe(w, id) }},
}

// SetupEvents makes a queue with its pull consumer and subscribes every
// Worker to it, as `cfbuilds events setup` would: the demo's account.
func (s *Sim) SetupEvents(queueName string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	q := s.newQueue(queueName, now)
	q.consumer = hex32(s.faultRng)
	for _, w := range s.workers {
		s.subscribe(w.name, q.id, now)
	}
	return q.id
}

// SetEventFaults loosens the delivery of events from now on.
func (s *Sim) SetEventFaults(f EventFaults) {
	s.mu.Lock()
	s.eventFaults = f
	s.mu.Unlock()
}

// Backlog is how many messages wait in the named queue (acknowledged ones
// gone): a test's check that everything was acknowledged.
func (s *Sim) Backlog(queueName string) int {
	now := s.lockNow()
	defer s.mu.Unlock()
	for _, q := range s.queues {
		if q.name == queueName {
			s.emit(now)
			return len(q.msgs)
		}
	}
	return -1
}

// newQueue makes a queue. Called under s.mu.
func (s *Sim) newQueue(name string, now time.Time) *simQueue {
	q := &simQueue{id: hex32(s.faultRng), name: name, created: now, maxTries: 3}
	s.queues = append(s.queues, q)
	return q
}

// subscribe makes a Worker's subscription. Called under s.mu.
func (s *Sim) subscribe(worker, queueID string, now time.Time) *subscription {
	sub := &subscription{id: hex32(s.faultRng), name: "cfbuilds-" + worker, worker: worker, queueID: queueID, events: buildEvents, created: now}
	s.subs = append(s.subs, sub)
	return sub
}

func (s *Sim) queueByID(id string) *simQueue {
	for _, q := range s.queues {
		if q.id == id {
			return q
		}
	}
	return nil
}

// emit puts the events of the builds that started or ended since the last
// look into their subscriptions' queues. Called under s.mu.
func (s *Sim) emit(now time.Time) {
	if len(s.subs) == 0 {
		return
	}
	for _, sub := range s.subs {
		q := s.queueByID(sub.queueID)
		w := s.findWorker(func(x *worker) bool { return x.name == sub.worker })
		if q == nil || w == nil {
			continue
		}
		// New builds append: the last few are the ones still moving.
		for _, b := range w.builds[max(len(w.builds)-4, 0):] {
			if b.created.Before(sub.created) {
				continue
			}
			if !now.Before(b.runOn) && b.emitted&1 == 0 {
				b.emitted |= 1
				s.enqueue(q, s.eventBody(b, "started", b.runOn), b.runOn, now)
			}
			if !now.Before(b.stopOn) && b.emitted&2 == 0 {
				b.emitted |= 2
				kind := map[string]string{"success": "succeeded", "cancelled": "canceled", "skipped": "succeeded"}[b.outcome]
				if kind == "" {
					kind = "failed"
				}
				s.enqueue(q, s.eventBody(b, kind, b.stopOn), b.stopOn, now)
			}
		}
	}
}

// enqueue adds one event, loosened by the faults. Called under s.mu.
func (s *Sim) enqueue(q *simQueue, body []byte, at, now time.Time) {
	if q.workerConsumer != "" {
		return // its Worker consumes it at once
	}
	f := s.eventFaults
	if f.Drop > 0 && s.faultRng.Float64() < f.Drop {
		return
	}
	copies := 1
	if f.Duplicate > 0 && s.faultRng.Float64() < f.Duplicate {
		copies = 2
	}
	for range copies {
		q.next++
		visible := now
		if f.Delay > 0 {
			visible = now.Add(time.Duration(s.faultRng.Int64N(int64(f.Delay))))
		}
		q.msgs = append(q.msgs, &queueMsg{id: fmt.Sprintf("%032x", q.next), body: body, sent: at, visibleAt: visible})
	}
}

// eventBody is an event as Cloudflare writes it: camelCase, its own words
// for the status and the outcome, the docs' "build-" prefix on the uuid.
func (s *Sim) eventBody(b *build, kind string, at time.Time) []byte {
	status := map[string]string{"started": "running", "succeeded": "success", "failed": "failed", "canceled": "canceled"}[kind]
	var outcome any
	switch kind {
	case "succeeded":
		outcome = "success"
	case "failed":
		outcome = "failure"
	case "canceled":
		outcome = "canceled"
	}
	stopped := any(nil)
	if kind != "started" {
		stopped = ts(b.stopOn)
	}
	ev := map[string]any{
		"type":   "cf.workersBuilds.worker.build." + kind,
		"source": map[string]any{"type": "workersBuilds.worker", "workerName": b.worker.name},
		"payload": map[string]any{
			"buildUuid": "build-" + b.uuid, "status": status, "buildOutcome": outcome,
			"createdAt": ts(b.created), "initializingAt": ts(b.initOn), "runningAt": ts(b.runOn), "stoppedAt": stopped,
			"buildTriggerMetadata": map[string]any{
				"buildTriggerSource": b.source, "branch": b.branch, "commitHash": b.commit, "commitMessage": b.message,
				"author": b.author, "buildCommand": b.buildCmd, "deployCommand": b.deployCmd, "rootDirectory": b.rootDir,
				"repoName": repoName(b.worker), "providerAccountName": repoOwner(b.worker), "providerType": "github",
			},
		},
		"metadata": map[string]any{"accountId": s.opts.AccountID, "eventSubscriptionId": "sub", "eventSchemaVersion": 1, "eventTimestamp": ts(at)},
	}
	out, _ := json.Marshal(ev)
	return out
}

func queueJSON(q *simQueue) map[string]any {
	consumers := []any{}
	if q.workerConsumer != "" {
		consumers = append(consumers, map[string]any{"consumer_id": "w-" + q.id[:8], "type": "worker", "script": q.workerConsumer, "queue_id": q.id,
			"settings": map[string]any{"batch_size": 10, "max_retries": 3, "max_wait_time_ms": 5000}, "created_on": ts(q.created)})
	}
	if q.consumer != "" {
		consumers = append(consumers, map[string]any{"consumer_id": q.consumer, "type": "http_pull", "queue_id": q.id,
			"settings": map[string]any{"batch_size": 100, "max_retries": q.maxTries, "visibility_timeout_ms": 30000}, "created_on": ts(q.created)})
	}
	return map[string]any{"queue_id": q.id, "queue_name": q.name, "created_on": ts(q.created), "modified_on": ts(q.created),
		"producers_total_count": 0, "producers": []any{}, "consumers_total_count": len(consumers), "consumers": consumers}
}

// serveQueues lists the queues a page at a time, as Cloudflare does
// (per_page at most 100): an account with more queues than a page must be
// read to its last page.
func (s *Sim) serveQueues(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	page, per := max(intParam(r, "page", 1), 1), min(max(intParam(r, "per_page", 20), 1), 100)
	from := min((page-1)*per, len(s.queues))
	to := min(from+per, len(s.queues))
	out := []any{}
	for _, q := range s.queues[from:to] {
		out = append(out, queueJSON(q))
	}
	pages := (len(s.queues) + per - 1) / per
	writeEnvelope(w, http.StatusOK, true, nil, out, map[string]any{"page": page, "per_page": per, "count": len(out), "total_count": len(s.queues), "total_pages": pages})
}

// readJSON reads a small request body into v; false (and an answer
// written) when it is not JSON.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, v); err != nil {
		writeError(w, http.StatusBadRequest, 10026, "Invalid request body")
		return false
	}
	return true
}

func (s *Sim) serveCreateQueue(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"queue_name"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.queues {
		if q.name == req.Name {
			writeError(w, http.StatusConflict, 11009, "A queue with this name already exists")
			return
		}
	}
	if req.Name == "" {
		writeError(w, http.StatusBadRequest, 10026, "queue_name is required")
		return
	}
	writeEnvelope(w, http.StatusOK, true, nil, queueJSON(s.newQueue(req.Name, s.clock.Now())), nil)
}

func (s *Sim) serveDeleteQueue(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queueDelete404 {
		writeError(w, http.StatusNotFound, 11000, "Queue not found")
		return
	}
	for i, q := range s.queues {
		if q.id == id {
			s.queues = append(s.queues[:i], s.queues[i+1:]...)
			writeEnvelope(w, http.StatusOK, true, nil, nil, nil)
			return
		}
	}
	writeError(w, http.StatusNotFound, 11000, "Queue not found")
}

func (s *Sim) serveCreateConsumer(w http.ResponseWriter, r *http.Request, id string) {
	var req struct {
		Type     string `json:"type"`
		Settings struct {
			MaxRetries int `json:"max_retries"`
		} `json:"settings"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueByID(id)
	switch {
	case q == nil:
		writeError(w, http.StatusNotFound, 11000, "Queue not found")
	case req.Type != "http_pull":
		writeError(w, http.StatusBadRequest, 10026, "the simulator makes http_pull consumers only")
	case q.consumer != "":
		writeError(w, http.StatusConflict, 11004, "A queue can only have one consumer")
	default:
		q.consumer = hex32(s.faultRng)
		if req.Settings.MaxRetries > 0 {
			q.maxTries = req.Settings.MaxRetries
		}
		writeEnvelope(w, http.StatusOK, true, nil, queueJSON(q)["consumers"].([]any)[0], nil)
	}
}

func (s *Sim) serveDeleteConsumer(w http.ResponseWriter, r *http.Request) {
	m := regexp.MustCompile(`/queues/([^/]+)/consumers/`).FindStringSubmatch(r.URL.Path)
	s.mu.Lock()
	defer s.mu.Unlock()
	if m == nil || s.queueByID(m[1]) == nil || s.queueByID(m[1]).consumer == "" {
		writeError(w, http.StatusNotFound, 11000, "Consumer not found")
		return
	}
	s.queueByID(m[1]).consumer = ""
	writeEnvelope(w, http.StatusOK, true, nil, nil, nil)
}

func (s *Sim) servePull(w http.ResponseWriter, r *http.Request, id string) {
	var req struct {
		BatchSize  int `json:"batch_size"`
		Visibility int `json:"visibility_timeout_ms"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	now := s.lockNow()
	defer s.mu.Unlock()
	q := s.queueByID(id)
	switch {
	case q == nil:
		writeError(w, http.StatusNotFound, 11000, "Queue not found")
		return
	case q.consumer == "":
		writeError(w, http.StatusBadRequest, 11005, "Queue has no HTTP pull consumer")
		return
	case s.scope(r) == scopeRead:
		writeError(w, http.StatusForbidden, 10000, "Authentication error")
		return
	}
	s.emit(now)
	batch := min(max(req.BatchSize, 1), 100)
	if req.BatchSize == 0 {
		batch = 5
	}
	vis := time.Duration(max(req.Visibility, 1)) * time.Millisecond
	if req.Visibility == 0 {
		vis = 30 * time.Second
	}
	var out []map[string]any
	kept := q.msgs[:0]
	for _, m := range q.msgs {
		switch {
		case now.Before(m.visibleAt):
		case m.attempts >= q.maxTries:
			continue // delivered max_retries times: dropped
		case len(out) < batch:
			m.attempts++
			m.lease = fmt.Sprintf("lease-%s-%d", m.id, m.attempts)
			m.visibleAt = now.Add(vis)
			out = append(out, map[string]any{"body": base64.StdEncoding.EncodeToString(m.body), "id": m.id,
				"timestamp_ms": m.sent.UnixMilli(), "attempts": m.attempts, "lease_id": m.lease,
				"metadata": map[string]any{"CF-sourceMessageSource": "event", "CF-Content-Type": "json"}})
		}
		kept = append(kept, m)
	}
	q.msgs = kept
	if s.eventFaults.Reorder {
		s.faultRng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	if out == nil {
		out = []map[string]any{}
	}
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{"messages": out}, nil)
}

func (s *Sim) serveAck(w http.ResponseWriter, r *http.Request, id string) {
	var req struct {
		Acks []struct {
			LeaseID string `json:"lease_id"`
		} `json:"acks"`
		Retries []struct {
			LeaseID string `json:"lease_id"`
			Delay   int    `json:"delay_seconds"`
		} `json:"retries"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	now := s.lockNow()
	defer s.mu.Unlock()
	q := s.queueByID(id)
	if q == nil {
		writeError(w, http.StatusNotFound, 11000, "Queue not found")
		return
	}
	if s.scope(r) == scopeRead {
		writeError(w, http.StatusForbidden, 10000, "Authentication error")
		return
	}
	acked, retried := 0, 0
	leases := map[string]bool{}
	for _, a := range req.Acks {
		leases[a.LeaseID] = true
	}
	kept := q.msgs[:0]
	for _, m := range q.msgs {
		if m.lease != "" && leases[m.lease] {
			acked++
			continue
		}
		for _, rt := range req.Retries {
			if m.lease != "" && rt.LeaseID == m.lease {
				m.visibleAt, m.lease = now.Add(time.Duration(rt.Delay)*time.Second), ""
				retried++
			}
		}
		kept = append(kept, m)
	}
	q.msgs = kept
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{"ackCount": acked, "retryCount": retried, "warnings": []any{}}, nil)
}

func (s *Sim) serveMetrics(w http.ResponseWriter, id string) {
	now := s.lockNow()
	defer s.mu.Unlock()
	q := s.queueByID(id)
	if q == nil {
		writeError(w, http.StatusNotFound, 11000, "Queue not found")
		return
	}
	s.emit(now)
	oldest := any(nil)
	if len(q.msgs) > 0 {
		oldest = q.msgs[0].sent.UnixMilli()
	}
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{"backlog_count": len(q.msgs), "backlog_bytes": len(q.msgs) * 900, "oldest_message_timestamp_ms": oldest}, nil)
}

func subscriptionJSON(sub *subscription) map[string]any {
	return map[string]any{"id": sub.id, "name": sub.name, "enabled": true,
		"source":      map[string]any{"type": "workersBuilds.worker", "worker_name": sub.worker},
		"destination": map[string]any{"type": "queues.queue", "queue_id": sub.queueID},
		"events":      sub.events, "created_at": ts(sub.created), "modified_at": ts(sub.created)}
}

func (s *Sim) serveSubscriptions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	page, per := intParam(r, "page", 1), min(intParam(r, "per_page", 20), 50)
	from := min((page-1)*per, len(s.subs))
	to := min(from+per, len(s.subs))
	out := []any{}
	for _, sub := range s.subs[from:to] {
		out = append(out, subscriptionJSON(sub))
	}
	pages := (len(s.subs) + per - 1) / per
	writeEnvelope(w, http.StatusOK, true, nil, out, map[string]any{"page": page, "per_page": per, "count": len(out), "total_count": len(s.subs), "total_pages": pages})
}

func intParam(r *http.Request, name string, def int) int {
	var n int
	if _, err := fmt.Sscan(r.URL.Query().Get(name), &n); err != nil || n < 1 {
		return def
	}
	return n
}

func (s *Sim) serveSubscribe(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name   string `json:"name"`
		Source struct {
			Type       string `json:"type"`
			WorkerName string `json:"worker_name"`
		} `json:"source"`
		Destination struct {
			Type    string `json:"type"`
			QueueID string `json:"queue_id"`
		} `json:"destination"`
		Events []string `json:"events"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scope(r) == scopeRead {
		writeError(w, http.StatusForbidden, 10000, "Authentication error")
		return
	}
	if s.findWorker(func(x *worker) bool { return x.name == req.Source.WorkerName }) == nil || s.queueByID(req.Destination.QueueID) == nil ||
		req.Source.Type != "workersBuilds.worker" || req.Destination.Type != "queues.queue" {
		writeError(w, http.StatusBadRequest, 10026, "unknown source Worker or destination queue")
		return
	}
	for _, sub := range s.subs {
		if sub.worker == req.Source.WorkerName {
			// Cloudflare's words (API.md): one subscription per source.
			writeError(w, http.StatusBadRequest, 10026, "We currently do not support multiple subscriptions on the same resource.")
			return
		}
	}
	sub := s.subscribe(req.Source.WorkerName, req.Destination.QueueID, s.clock.Now())
	if req.Name != "" {
		sub.name = req.Name
	}
	if len(req.Events) > 0 {
		sub.events = req.Events
	}
	writeEnvelope(w, http.StatusOK, true, nil, subscriptionJSON(sub), nil)
}

func (s *Sim) serveUnsubscribe(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, sub := range s.subs {
		if sub.id == id {
			s.subs = append(s.subs[:i], s.subs[i+1:]...)
			writeEnvelope(w, http.StatusOK, true, nil, nil, nil)
			return
		}
	}
	writeError(w, http.StatusNotFound, 10028, "Subscription not found")
}

// ParseEventFaults reads `--events-faults dup=0.2,reorder,delay=5s,drop=0.1`.
func ParseEventFaults(s string) (EventFaults, error) {
	var f EventFaults
	for _, part := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		var err error
		switch k {
		case "":
		case "dup":
			_, err = fmt.Sscan(v, &f.Duplicate)
		case "drop":
			_, err = fmt.Sscan(v, &f.Drop)
		case "reorder":
			f.Reorder = true
		case "delay":
			f.Delay, err = time.ParseDuration(v)
		default:
			return f, fmt.Errorf("unknown event fault %q (dup=P, drop=P, reorder, delay=D)", k)
		}
		if err != nil || f.Duplicate < 0 || f.Duplicate > 1 || f.Drop < 0 || f.Drop > 1 || f.Delay < 0 {
			return f, fmt.Errorf("event fault %q: want dup=P and drop=P with P a probability, delay=D a duration", part)
		}
	}
	return f, nil
}
