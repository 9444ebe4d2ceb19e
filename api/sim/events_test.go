package sim

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pullAll pulls the queue once and acknowledges what it got: the decoded
// bodies.
func pullAll(t *testing.T, s *Sim, queueID string, ack bool) []map[string]any {
	t.Helper()
	status, body := raw(t, s, "POST", "/queues/"+queueID+"/messages/pull", "", `{"batch_size":100,"visibility_timeout_ms":1000}`)
	if status != 200 {
		t.Fatalf("pull: %d %s", status, body)
	}
	var env struct {
		Result struct {
			Messages []struct {
				Body    string `json:"body"`
				LeaseID string `json:"lease_id"`
			} `json:"messages"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	var acks []string
	for _, m := range env.Result.Messages {
		raw, err := base64.StdEncoding.DecodeString(m.Body)
		if err != nil {
			t.Fatalf("body not base64: %v", err)
		}
		var ev map[string]any
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
		acks = append(acks, `{"lease_id":"`+m.LeaseID+`"}`)
	}
	if ack && len(acks) > 0 {
		if status, body := raw(t, s, "POST", "/queues/"+queueID+"/messages/ack", "", `{"acks":[`+strings.Join(acks, ",")+`],"retries":[]}`); status != 200 {
			t.Fatalf("ack: %d %s", status, body)
		}
	}
	return out
}

// TestEventsShapesAndDelivery: a subscribed Worker's build emits started
// and then its end; pull, ack and the events have the corpus's shapes; an
// unacknowledged message comes back after its visibility timeout; an
// acknowledged one never does.
func TestEventsShapesAndDelivery(t *testing.T) {
	t.Parallel()
	s, clock, _ := newTestSim(t, Options{Workers: 2, PushEvery: -1, History: 1, Seed: 4})
	qid := s.SetupEvents(DefaultQueue)
	name := s.Workers()[0][0]
	s.Push(PushSpec{Repo: "acme/app", Branch: "main", Commit: strings.Repeat("a", 40), Workers: map[string]time.Duration{name: 0}, Duration: 10 * time.Second})
	clock.Advance(5 * time.Second)
	status, pull := raw(t, s, "POST", "/queues/"+qid+"/messages/pull", "", `{"batch_size":100,"visibility_timeout_ms":1000}`)
	if status != 200 {
		t.Fatalf("pull %d", status)
	}
	for _, d := range differences(corpus(t, "queue-pull.json"), shapeOf(t, pull)) {
		t.Error("pull: " + d)
	}
	// Not acknowledged: back after the visibility timeout.
	clock.Advance(2 * time.Second)
	evs := pullAll(t, s, qid, true)
	if len(evs) != 1 || evs[0]["type"] != "cf.workersBuilds.worker.build.started" {
		t.Fatalf("after the visibility timeout: %v", evs)
	}
	b, _ := json.Marshal(evs[0])
	started, _ := os.ReadFile(filepath.Join("..", "testdata", "real", "event-build-started.json"))
	for _, d := range differences(shapeOf(t, started), shapeOf(t, b)) {
		t.Error("event: " + d)
	}
	clock.Advance(10 * time.Second)
	evs = pullAll(t, s, qid, true)
	if len(evs) != 1 || evs[0]["type"] != "cf.workersBuilds.worker.build.succeeded" {
		t.Fatalf("the end: %v", evs)
	}
	if s.Backlog(DefaultQueue) != 0 || len(pullAll(t, s, qid, true)) != 0 {
		t.Fatal("acknowledged messages came back")
	}
	status, ack := raw(t, s, "POST", "/queues/"+qid+"/messages/ack", "", `{"acks":[],"retries":[]}`)
	if status != 200 {
		t.Fatalf("ack: %d", status)
	}
	for _, d := range differences(corpus(t, "queue-ack.json"), shapeOf(t, ack)) {
		t.Error("ack: " + d)
	}
}

// TestEventFaults: duplicates come twice, drops never; --events-faults
// parses and refuses nonsense.
func TestEventFaults(t *testing.T) {
	t.Parallel()
	s, clock, _ := newTestSim(t, Options{Workers: 2, PushEvery: -1, History: 1, Seed: 4})
	qid := s.SetupEvents(DefaultQueue)
	s.SetEventFaults(EventFaults{Duplicate: 1})
	name := s.Workers()[0][0]
	s.Push(PushSpec{Repo: "acme/app", Branch: "main", Commit: strings.Repeat("b", 40), Workers: map[string]time.Duration{name: 0}, Duration: 10 * time.Second})
	clock.Advance(20 * time.Second)
	if evs := pullAll(t, s, qid, true); len(evs) != 4 {
		t.Fatalf("duplicated: %d events, want 4", len(evs))
	}
	s.SetEventFaults(EventFaults{Drop: 1})
	s.Push(PushSpec{Repo: "acme/app", Branch: "main", Commit: strings.Repeat("c", 40), Workers: map[string]time.Duration{name: 0}, Duration: 10 * time.Second})
	clock.Advance(20 * time.Second)
	if evs := pullAll(t, s, qid, true); len(evs) != 0 {
		t.Fatalf("dropped: %d events", len(evs))
	}
	if f, err := ParseEventFaults("dup=0.2,reorder,delay=5s,drop=0.1"); err != nil || f.Duplicate != 0.2 || !f.Reorder || f.Delay != 5*time.Second || f.Drop != 0.1 {
		t.Fatalf("parse: %+v %v", f, err)
	}
	for _, bad := range []string{"dup=2", "delay=soon", "flood"} {
		if _, err := ParseEventFaults(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
