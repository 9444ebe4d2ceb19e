package model

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Workers Builds events (API.md, "Build events"): what a Queue delivers
// when a build starts and ends. They speak other words than the REST API
// (camelCase keys; status running/success/failed/canceled; outcome
// success/failure/canceled), may carry a "build-" prefix on the uuid, come
// at least once and in any order. This file turns one into a Build and
// applies it to what is known, idempotently.

// BuildEvent is one decoded event.
type BuildEvent struct {
	Type       string // cf.workersBuilds.worker.build.started, ...
	WorkerName string
	Build      Build     // what the event carries, in the REST vocabulary
	At         time.Time // the event's own timestamp
}

// Clamped is the event with no time later than now: a clock that runs
// ahead, or a message dated 2099, must not order the news nor freeze
// "last event 0s ago". The times only ever move back to now.
func (ev BuildEvent) Clamped(now time.Time) BuildEvent {
	if ev.At.After(now) {
		ev.At = now
	}
	if ev.Build.CreatedOn.After(now) {
		ev.Build.CreatedOn = now
	}
	for _, t := range []**time.Time{&ev.Build.InitializingOn, &ev.Build.RunningOn, &ev.Build.StoppedOn} {
		if *t != nil && (*t).After(now) {
			n := now
			*t = &n
		}
	}
	return ev
}

// ErrNotABuildEvent is a message that is not a Workers Builds event.
var ErrNotABuildEvent = errors.New("not a Workers Builds event")

// EventUUID is a build uuid as REST spells it: the events' docs show a
// "build-" prefix that REST uuids do not have.
func EventUUID(id string) string { return strings.TrimPrefix(strings.TrimSpace(id), "build-") }

// DecodeEvent reads an event's JSON (the message body, base64 already
// undone). Unknown words are kept as they came; a body that is not an
// event of a build (no uuid) is ErrNotABuildEvent.
func DecodeEvent(body []byte) (BuildEvent, error) {
	var raw struct {
		Type   string `json:"type"`
		Source struct {
			WorkerName string `json:"workerName"`
		} `json:"source"`
		Payload struct {
			BuildUUID      string  `json:"buildUuid"`
			Status         string  `json:"status"`
			BuildOutcome   *string `json:"buildOutcome"`
			CreatedAt      string  `json:"createdAt"`
			InitializingAt string  `json:"initializingAt"`
			RunningAt      string  `json:"runningAt"`
			StoppedAt      string  `json:"stoppedAt"`
			Meta           struct {
				Source              string `json:"buildTriggerSource"`
				Branch              string `json:"branch"`
				CommitHash          string `json:"commitHash"`
				CommitMessage       string `json:"commitMessage"`
				Author              string `json:"author"`
				BuildCommand        string `json:"buildCommand"`
				DeployCommand       string `json:"deployCommand"`
				RootDirectory       string `json:"rootDirectory"`
				RepoName            string `json:"repoName"`
				ProviderAccountName string `json:"providerAccountName"`
				ProviderType        string `json:"providerType"`
			} `json:"buildTriggerMetadata"`
		} `json:"payload"`
		Metadata struct {
			EventTimestamp string `json:"eventTimestamp"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return BuildEvent{}, err
	}
	p := raw.Payload
	if EventUUID(p.BuildUUID) == "" || !strings.Contains(raw.Type, "build.") {
		return BuildEvent{}, ErrNotABuildEvent
	}
	b := Build{UUID: EventUUID(p.BuildUUID), WorkerName: raw.Source.WorkerName}
	b.Status, b.Outcome = eventState(raw.Type, p.Status, p.BuildOutcome)
	b.CreatedOn = parseEventTime(p.CreatedAt)
	b.InitializingOn, b.RunningOn, b.StoppedOn = eventTime(p.InitializingAt), eventTime(p.RunningAt), eventTime(p.StoppedAt)
	m := p.Meta
	b.Meta = TriggerMetadata{Source: m.Source, Branch: m.Branch, CommitHash: m.CommitHash, CommitMessage: m.CommitMessage,
		Author: m.Author, BuildCommand: m.BuildCommand, DeployCommand: m.DeployCommand, RootDirectory: m.RootDirectory,
		RepoName: m.RepoName, ProviderType: m.ProviderType, ProviderAccountName: m.ProviderAccountName}
	if m.RepoName != "" {
		b.Trigger.RepoConnection = &RepoConnection{RepoName: m.RepoName, ProviderAccountName: m.ProviderAccountName, ProviderType: m.ProviderType}
	}
	at := parseEventTime(raw.Metadata.EventTimestamp)
	if at.IsZero() {
		at = latestOf(b)
	}
	return BuildEvent{Type: raw.Type, WorkerName: raw.Source.WorkerName, Build: b, At: at}, nil
}

// eventState maps an event's words onto the model's: the status and the
// outcome, from the payload and, where it says nothing, the event's type.
func eventState(typ, status string, outcome *string) (Status, Outcome) {
	var st Status
	switch status {
	case "running":
		st = StatusRunning
	case "success", "failed", "failure", "canceled", "cancelled", "stopped":
		st = StatusStopped
	case "queued":
		st = StatusQueued
	case "initializing":
		st = StatusInitializing
	case "":
	default:
		st = Status(status)
	}
	var oc Outcome
	if outcome != nil {
		switch *outcome {
		case "success":
			oc = OutcomeSuccess
		case "failure", "fail", "failed":
			oc = OutcomeFail
		case "canceled", "cancelled":
			oc = OutcomeCancelled
		default:
			oc = Outcome(*outcome)
		}
	}
	// The type says what the payload may leave out.
	switch {
	case strings.HasSuffix(typ, ".started") && st == "":
		st = StatusRunning
	case strings.HasSuffix(typ, ".succeeded"):
		st, oc = StatusStopped, orOutcome(oc, OutcomeSuccess)
	case strings.HasSuffix(typ, ".failed"):
		st, oc = StatusStopped, orOutcome(oc, OutcomeFail)
	case strings.HasSuffix(typ, ".canceled"), strings.HasSuffix(typ, ".cancelled"):
		st, oc = StatusStopped, orOutcome(oc, OutcomeCancelled)
	}
	if st == StatusStopped && status == "failed" && oc == "" {
		oc = OutcomeFail
	}
	return st, oc
}

func orOutcome(o, d Outcome) Outcome {
	if o == "" {
		return d
	}
	return o
}

func parseEventTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func eventTime(s string) *time.Time {
	t := parseEventTime(s)
	if t.IsZero() {
		return nil
	}
	return &t
}

// latestOf is the latest time a build carries.
func latestOf(b Build) time.Time {
	t := b.CreatedOn
	for _, p := range []*time.Time{b.InitializingOn, b.RunningOn, b.StoppedOn} {
		if p != nil && p.After(t) {
			t = *p
		}
	}
	return t
}

// ApplyEvent is what is known of a build once an event about it arrives:
// the known build (ok false: none yet) updated by the event, idempotently
// and whatever the order. A stopped build never goes back to running; a
// later state wins over an earlier one; times and fields only fill in or
// move forward; what the event does not carry (the Worker's tag, the
// trigger) is kept. changed says whether anything moved.
func ApplyEvent(known Build, ok bool, ev BuildEvent) (b Build, changed bool) {
	e := ev.Build
	if !ok {
		return e, true
	}
	b = known
	if rank(e.Status) > rank(b.Status) {
		b.Status, changed = e.Status, true
	}
	if b.Status == StatusStopped && b.Outcome == "" && e.Outcome != "" {
		b.Outcome, changed = e.Outcome, true
	}
	if b.CreatedOn.IsZero() && !e.CreatedOn.IsZero() {
		b.CreatedOn, changed = e.CreatedOn, true
	}
	for _, f := range []struct{ dst, src **time.Time }{{&b.InitializingOn, &e.InitializingOn}, {&b.RunningOn, &e.RunningOn}, {&b.StoppedOn, &e.StoppedOn}} {
		if *f.dst == nil && *f.src != nil {
			*f.dst, changed = *f.src, true
		}
	}
	if b.WorkerName == "" && e.WorkerName != "" {
		b.WorkerName, changed = e.WorkerName, true
	}
	if b.Meta.CommitHash == "" && e.Meta.CommitHash != "" {
		tok, tuuid := b.Meta.BuildTokenUUID, b.Meta.BuildTokenName
		env := b.Meta.EnvironmentVariables
		b.Meta = e.Meta
		b.Meta.BuildTokenUUID, b.Meta.BuildTokenName, b.Meta.EnvironmentVariables = tok, tuuid, env
		changed = true
	}
	return b, changed
}

// rank orders the states a build passes through.
func rank(s Status) int {
	switch s {
	case StatusQueued:
		return 1
	case StatusInitializing:
		return 2
	case StatusRunning:
		return 3
	case StatusStopped:
		return 4
	}
	return 0
}
