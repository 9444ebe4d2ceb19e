package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDecodeEvents: every event of the corpus (testdata, copied from
// Cloudflare's event schemas) decodes to the REST vocabulary.
func TestDecodeEvents(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]struct {
		status  Status
		outcome Outcome
	}{
		"event-build-started.json":   {StatusRunning, ""},
		"event-build-succeeded.json": {StatusStopped, OutcomeSuccess},
		"event-build-failed.json":    {StatusStopped, OutcomeFail},
		"event-build-canceled.json":  {StatusStopped, OutcomeCancelled},
	} {
		body, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := DecodeEvent(body)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		b := ev.Build
		if b.Status != want.status || b.Outcome != want.outcome || b.UUID == "" || strings.HasPrefix(b.UUID, "build-") ||
			ev.WorkerName == "" || b.Meta.CommitHash == "" || b.CreatedOn.IsZero() || ev.At.IsZero() {
			t.Errorf("%s: %+v", file, ev)
		}
		if (b.StoppedOn != nil) != (want.status == StatusStopped) {
			t.Errorf("%s: stopped_on %v", file, b.StoppedOn)
		}
	}
}

// TestEventVocabulary: the events' words and REST's, the build- prefix,
// and what is not an event.
func TestEventVocabulary(t *testing.T) {
	t.Parallel()
	ev := func(typ, status, outcome, uuid string) string {
		oc := "null"
		if outcome != "" {
			oc = `"` + outcome + `"`
		}
		return `{"type":"cf.workersBuilds.worker.build.` + typ + `","source":{"type":"workersBuilds.worker","workerName":"w"},` +
			`"payload":{"buildUuid":"` + uuid + `","status":"` + status + `","buildOutcome":` + oc + `,"createdAt":"2026-11-27T10:00:00Z"},` +
			`"metadata":{"eventTimestamp":"2026-11-27T10:00:05Z"}}`
	}
	for _, tc := range []struct {
		body    string
		status  Status
		outcome Outcome
		uuid    string
	}{
		{ev("started", "running", "", "build-73e5e2ab"), StatusRunning, "", "73e5e2ab"},
		{ev("succeeded", "success", "success", "73e5e2ab"), StatusStopped, OutcomeSuccess, "73e5e2ab"},
		{ev("failed", "failed", "failure", "x"), StatusStopped, OutcomeFail, "x"},
		{ev("failed", "failed", "fail", "x"), StatusStopped, OutcomeFail, "x"},
		{ev("canceled", "canceled", "canceled", "x"), StatusStopped, OutcomeCancelled, "x"},
		{ev("canceled", "cancelled", "cancelled", "x"), StatusStopped, OutcomeCancelled, "x"},
		{ev("failed", "", "", "x"), StatusStopped, OutcomeFail, "x"},
		{ev("succeeded", "success", "terminated", "x"), StatusStopped, "terminated", "x"},
	} {
		got, err := DecodeEvent([]byte(tc.body))
		if err != nil || got.Build.Status != tc.status || got.Build.Outcome != tc.outcome || got.Build.UUID != tc.uuid {
			t.Errorf("%s: %+v %v", tc.body, got.Build, err)
		}
	}
	for _, bad := range []string{`not json`, `{}`, `{"type":"cf.workersBuilds.worker.build.started","payload":{}}`, `[]`, `{"type":"other","payload":{"buildUuid":"x"}}`} {
		if _, err := DecodeEvent([]byte(bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

// TestApplyEvent: duplicates change nothing; a started event after the
// build's end does not bring it back; what REST knew and the event does not
// carry is kept; a build first seen in an event appears as it says.
func TestApplyEvent(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	started := BuildEvent{Type: "cf.workersBuilds.worker.build.started", Build: Build{UUID: "u", Status: StatusRunning, CreatedOn: t0, RunningOn: at(2 * time.Second),
		Meta: TriggerMetadata{CommitHash: "abc", Branch: "main"}, WorkerName: "w"}}
	failed := BuildEvent{Type: "cf.workersBuilds.worker.build.failed", Build: Build{UUID: "u", Status: StatusStopped, Outcome: OutcomeFail, CreatedOn: t0,
		RunningOn: at(2 * time.Second), StoppedOn: at(time.Minute), Meta: TriggerMetadata{CommitHash: "abc"}, WorkerName: "w"}}
	rest := Build{UUID: "u", WorkerTag: "tag", Status: StatusQueued, CreatedOn: t0, Trigger: Trigger{TriggerName: "Deploy"},
		Meta: TriggerMetadata{CommitHash: "abc", BuildTokenUUID: "tok"}}

	b, changed := ApplyEvent(rest, true, started)
	if !changed || b.Status != StatusRunning || b.WorkerTag != "tag" || b.Trigger.TriggerName != "Deploy" || b.Meta.BuildTokenUUID != "tok" {
		t.Fatalf("started on a queued build: %+v", b)
	}
	if _, changed := ApplyEvent(b, true, started); changed {
		t.Fatal("a duplicate changed the build")
	}
	b, _ = ApplyEvent(b, true, failed)
	if b.Status != StatusStopped || b.Outcome != OutcomeFail || b.StoppedOn == nil {
		t.Fatalf("failed: %+v", b)
	}
	// Reordered: started arrives after failed.
	late, changed := ApplyEvent(b, true, started)
	if changed || late.Status != StatusStopped || late.Outcome != OutcomeFail {
		t.Fatalf("a late started event moved a stopped build: %+v", late)
	}
	// Both orders end in the same state.
	x, _ := ApplyEvent(Build{}, false, failed)
	x, _ = ApplyEvent(x, true, started)
	y, _ := ApplyEvent(Build{}, false, started)
	y, _ = ApplyEvent(y, true, failed)
	if x.Status != y.Status || x.Outcome != y.Outcome || *x.StoppedOn != *y.StoppedOn || x.WorkerName != "w" {
		t.Fatalf("orders disagree: %+v / %+v", x, y)
	}
}

// TestEventTimesAreClampedToNow (#35.10): an event dated in the future
// orders and shows as now; earlier times are kept as they are.
func TestEventTimesAreClampedToNow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	future, past := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), now.Add(-time.Minute)
	ev := BuildEvent{At: future, Build: Build{CreatedOn: past, RunningOn: &future, StoppedOn: &past}}
	got := ev.Clamped(now)
	if !got.At.Equal(now) || !got.Build.CreatedOn.Equal(past) || !got.Build.RunningOn.Equal(now) || !got.Build.StoppedOn.Equal(past) {
		t.Fatalf("clamped %+v", got)
	}
	if !ev.Build.RunningOn.Equal(future) {
		t.Fatal("the original event was changed")
	}
}
