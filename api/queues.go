package api

// Queues and event subscriptions: where Workers Builds events go, and how
// they are read (API.md, "Build events"). Pull and ack are POSTs, each sent
// once like every write; the event reader (events.go) paces them.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// Queue is an account's queue and its consumer, as far as events need.
type Queue struct {
	ID, Name     string
	ConsumerType string // "http_pull", "worker", or "" none
	ConsumerID   string
	// ConsumerScript is the Worker that consumes the queue, for a "worker"
	// consumer (Cloudflare's build-notifications template has one).
	ConsumerScript string
}

// Consumer says what reads the queue, in a few words.
func (q Queue) Consumer() string {
	switch {
	case q.ConsumerType == "worker" && q.ConsumerScript != "":
		return "consumed by the Worker " + model.SanitizeInline(q.ConsumerScript)
	case q.ConsumerType == "http_pull":
		return "read by an HTTP pull consumer"
	case q.ConsumerType != "":
		return "consumed by a " + model.SanitizeInline(q.ConsumerType) + " consumer"
	}
	return "no consumer"
}

// Queues lists the account's queues, every page (API.md: paged; an
// account with 105 queues has a second page).
func (c *Client) Queues(ctx context.Context) ([]Queue, error) {
	var out []Queue
	for page := 1; page <= 100; page++ {
		var res []struct {
			ID        flexString `json:"queue_id"`
			Name      flexString `json:"queue_name"`
			Consumers []struct {
				ID         flexString `json:"consumer_id"`
				Type       flexString `json:"type"`
				Script     flexString `json:"script"`
				ScriptName flexString `json:"script_name"`
			} `json:"consumers"`
		}
		info, err := c.do(ctx, http.MethodGet, c.accountPath()+"/queues", url.Values{"page": {strconv.Itoa(page)}, "per_page": {"100"}}, &res)
		if err != nil {
			return nil, fmt.Errorf("list queues: %w", err)
		}
		for _, q := range res {
			qq := Queue{ID: string(q.ID), Name: string(q.Name)}
			if len(q.Consumers) > 0 {
				c := q.Consumers[0]
				qq.ConsumerType, qq.ConsumerID = string(c.Type), string(c.ID)
				qq.ConsumerScript = string(c.Script)
				if qq.ConsumerScript == "" {
					qq.ConsumerScript = string(c.ScriptName)
				}
			}
			out = append(out, qq)
		}
		if info == nil || len(res) == 0 || info.TotalPages <= page {
			break
		}
	}
	return out, nil
}

// FindQueue is the queue named nameOrID (its name or its id), or ErrNotFound.
func (c *Client) FindQueue(ctx context.Context, nameOrID string) (Queue, error) {
	qs, err := c.Queues(ctx)
	if err != nil {
		return Queue{}, err
	}
	for _, q := range qs {
		if q.Name == nameOrID || strings.EqualFold(q.ID, nameOrID) {
			return q, nil
		}
	}
	return Queue{}, &Error{Kind: ErrNotFound, Method: http.MethodGet, Path: c.accountPath() + "/queues",
		Detail: fmt.Sprintf("no queue %q in this account (cfbuilds events setup makes one)", model.SanitizeInline(nameOrID))}
}

// CreateQueue makes a queue.
func (c *Client) CreateQueue(ctx context.Context, name string) (Queue, error) {
	var res struct {
		ID   flexString `json:"queue_id"`
		Name flexString `json:"queue_name"`
	}
	if _, err := c.doBody(ctx, http.MethodPost, c.accountPath()+"/queues", map[string]string{"queue_name": name}, &res); err != nil {
		return Queue{}, fmt.Errorf("create queue %s: %w", name, err)
	}
	return Queue{ID: string(res.ID), Name: string(res.Name)}, nil
}

// DeleteQueue removes a queue.
func (c *Client) DeleteQueue(ctx context.Context, id string) error {
	if _, err := c.do(ctx, http.MethodDelete, c.accountPath()+"/queues/"+url.PathEscape(id), nil, nil); err != nil {
		return fmt.Errorf("delete queue: %w", err)
	}
	return nil
}

// CreatePullConsumer gives a queue its HTTP pull consumer.
func (c *Client) CreatePullConsumer(ctx context.Context, queueID string) error {
	body := map[string]any{"type": "http_pull", "settings": map[string]any{"batch_size": 100, "max_retries": 5, "visibility_timeout_ms": 30000}}
	if _, err := c.doBody(ctx, http.MethodPost, c.accountPath()+"/queues/"+url.PathEscape(queueID)+"/consumers", body, nil); err != nil {
		return fmt.Errorf("create the pull consumer: %w", err)
	}
	return nil
}

// QueueMessage is one pulled message: its body decoded from base64 when it is
// JSON, and the lease that acknowledges it.
type QueueMessage struct {
	ID, LeaseID string
	Attempts    int
	Sent        time.Time
	Body        []byte
}

// maxMessage is the most a message body may be: Queues' 128 KB, base64.
const maxMessage = 180 << 10

// Pull takes up to batch messages from the queue, hidden from other pulls
// for visibility.
func (c *Client) Pull(ctx context.Context, queueID string, batch int, visibility time.Duration) ([]QueueMessage, error) {
	var res struct {
		Messages []struct {
			Body        json.RawMessage   `json:"body"` // up to 128 KB: not a capped field
			ID          flexString        `json:"id"`
			TimestampMs float64           `json:"timestamp_ms"`
			Attempts    float64           `json:"attempts"`
			LeaseID     flexString        `json:"lease_id"`
			Metadata    map[string]string `json:"metadata"`
		} `json:"messages"`
	}
	body := map[string]int{"batch_size": batch, "visibility_timeout_ms": int(visibility / time.Millisecond)}
	if _, err := c.doBody(ctx, http.MethodPost, c.accountPath()+"/queues/"+url.PathEscape(queueID)+"/messages/pull", body, &res); err != nil {
		return nil, fmt.Errorf("pull events: %w", err)
	}
	out := make([]QueueMessage, 0, len(res.Messages))
	for _, m := range res.Messages {
		msg := QueueMessage{ID: string(m.ID), LeaseID: string(m.LeaseID), Attempts: int(m.Attempts), Sent: time.UnixMilli(int64(m.TimestampMs))}
		var body string
		if len(m.Body) > maxMessage || json.Unmarshal(m.Body, &body) != nil {
			body = "" // not a string, or too long to be an event: undecodable, acknowledged
		}
		msg.Body = []byte(body)
		if ct := m.Metadata["CF-Content-Type"]; ct == "json" || ct == "" {
			if b, err := base64.StdEncoding.DecodeString(body); err == nil {
				msg.Body = b
			}
		}
		out = append(out, msg)
	}
	return out, nil
}

// Ack acknowledges messages by their leases, in one call.
func (c *Client) Ack(ctx context.Context, queueID string, leases []string) error {
	acks := make([]map[string]string, 0, len(leases))
	for _, l := range leases {
		acks = append(acks, map[string]string{"lease_id": l})
	}
	body := map[string]any{"acks": acks, "retries": []any{}}
	if _, err := c.doBody(ctx, http.MethodPost, c.accountPath()+"/queues/"+url.PathEscape(queueID)+"/messages/ack", body, nil); err != nil {
		return fmt.Errorf("acknowledge events: %w", err)
	}
	return nil
}

// Backlog is how many messages wait in a queue (-1 when the API does not
// say).
func (c *Client) Backlog(ctx context.Context, queueID string) int {
	var res struct {
		Backlog *float64 `json:"backlog_count"`
	}
	if _, err := c.do(ctx, http.MethodGet, c.accountPath()+"/queues/"+url.PathEscape(queueID)+"/metrics", nil, &res); err != nil || res.Backlog == nil {
		return -1
	}
	return int(*res.Backlog)
}

// Subscription is one event subscription of a Worker's builds.
type Subscription struct {
	ID, Name, Worker, QueueID string
	Events                    []string
}

// Subscriptions lists the account's event subscriptions of Workers Builds.
func (c *Client) Subscriptions(ctx context.Context) ([]Subscription, error) {
	var out []Subscription
	for page := 1; page <= 200; page++ {
		var res []struct {
			ID     flexString `json:"id"`
			Name   flexString `json:"name"`
			Source struct {
				Type       flexString `json:"type"`
				WorkerName flexString `json:"worker_name"`
			} `json:"source"`
			Destination struct {
				QueueID flexString `json:"queue_id"`
			} `json:"destination"`
			Events flexStrings `json:"events"`
		}
		info, err := c.do(ctx, http.MethodGet, c.accountPath()+"/event_subscriptions/subscriptions", url.Values{"page": {strconv.Itoa(page)}, "per_page": {"50"}}, &res)
		if err != nil {
			return nil, fmt.Errorf("list event subscriptions: %w", err)
		}
		for _, s := range res {
			if s.Source.Type != "workersBuilds.worker" {
				continue
			}
			out = append(out, Subscription{ID: string(s.ID), Name: string(s.Name), Worker: string(s.Source.WorkerName), QueueID: string(s.Destination.QueueID), Events: s.Events})
		}
		if info == nil || len(res) == 0 || info.TotalPages > 0 && page >= info.TotalPages {
			break
		}
	}
	return out, nil
}

// Subscribe sends a Worker's four build events to a queue.
func (c *Client) Subscribe(ctx context.Context, worker, queueID string) error {
	return c.SubscribeTo(ctx, Subscription{Name: "cfbuilds-" + worker, Worker: worker, QueueID: queueID})
}

// SubscribeTo makes a subscription as given (its name and events; the
// four build events when none): to put back one a take-over replaced.
func (c *Client) SubscribeTo(ctx context.Context, s Subscription) error {
	events := s.Events
	if len(events) == 0 {
		events = []string{"build.started", "build.succeeded", "build.failed", "build.canceled"}
	}
	body := map[string]any{"name": s.Name, "enabled": true,
		"source":      map[string]string{"type": "workersBuilds.worker", "worker_name": s.Worker},
		"destination": map[string]string{"type": "queues.queue", "queue_id": s.QueueID},
		"events":      events}
	if _, err := c.doBody(ctx, http.MethodPost, c.accountPath()+"/event_subscriptions/subscriptions", body, nil); err != nil {
		return fmt.Errorf("subscribe %s: %w", s.Worker, err)
	}
	return nil
}

// Unsubscribe removes an event subscription.
func (c *Client) Unsubscribe(ctx context.Context, id string) error {
	if _, err := c.do(ctx, http.MethodDelete, c.accountPath()+"/event_subscriptions/subscriptions/"+url.PathEscape(id), nil, nil); err != nil {
		return fmt.Errorf("remove subscription: %w", err)
	}
	return nil
}
