// Package model holds cfbuilds' domain types and the pure logic over them:
// builds, their states, Workers, log lines, the log line store and the
// sanitizer for untrusted text. It knows nothing of HTTP, JSON or terminals.
package model

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Status is where a build is in its life: queued → initializing → running → stopped.
// A value the API invents later is kept as it came.
type Status string

// The statuses Cloudflare documents.
const (
	StatusQueued       Status = "queued"
	StatusInitializing Status = "initializing"
	StatusRunning      Status = "running"
	StatusStopped      Status = "stopped"
)

// Outcome is how a stopped build ended; empty until it stops. Unknown values are
// kept verbatim so they can be shown.
type Outcome string

// The outcomes Cloudflare documents.
const (
	OutcomeNone       Outcome = ""
	OutcomeSuccess    Outcome = "success"
	OutcomeFail       Outcome = "fail"
	OutcomeSkipped    Outcome = "skipped"
	OutcomeCancelled  Outcome = "cancelled"
	OutcomeTerminated Outcome = "terminated"
)

// OK reports an outcome that is not a failure: the build succeeded, or it
// was skipped (nothing to build is not an error).
func (o Outcome) OK() bool { return o == OutcomeSuccess || o == OutcomeSkipped }

// Worker is a Workers script: its name (what people read, what URLs use) and its
// immutable 32-hex tag (what the Builds API takes).
type Worker struct {
	Name string
	Tag  string
}

// PullRequest is the pull request a build was made for.
type PullRequest struct {
	CreatedOn time.Time
	URL       string
}

// RepoConnection names the repository a trigger builds from.
type RepoConnection struct {
	RepoConnectionUUID  string
	RepoID              string
	RepoName            string
	ProviderType        string
	ProviderAccountID   string
	ProviderAccountName string
}

// Trigger is the build trigger configured on a Worker.
type Trigger struct {
	TriggerUUID         string
	TriggerName         string
	ExternalScriptID    string
	BuildCommand        string
	DeployCommand       string
	RootDirectory       string
	BranchIncludes      []string
	BranchExcludes      []string
	PathIncludes        []string
	PathExcludes        []string
	BuildCachingEnabled bool
	BuildTokenUUID      string // on the triggers endpoint only
	BuildTokenName      string
	CreatedOn           time.Time
	ModifiedOn          time.Time
	DeletedOn           *time.Time
	RepoConnection      *RepoConnection
}

// BuildToken is a token Workers Builds deploys with. A deleted or rolled one
// fails every build of the triggers that use it.
type BuildToken struct {
	UUID              string
	Name              string
	CloudflareTokenID string
	OwnerType         string
}

// AccountLimits is the account's build-minutes state (non-paid plans).
type AccountLimits struct {
	BuildMinutesRefreshOn *time.Time
	ReachedBuildMinutes   bool
}

// EnvVar is one build environment variable. Secrets have no value.
type EnvVar struct {
	Value    string
	IsSecret bool
}

// TriggerMetadata describes what started a build. Commit message, branch and
// author are user-written and untrusted: sanitize before showing.
type TriggerMetadata struct {
	Source               string // push | pull_request | manual | api, or as sent
	Branch               string
	CommitHash           string
	CommitMessage        string
	Author               string
	BuildCommand         string
	DeployCommand        string
	RootDirectory        string
	RepoName             string
	ProviderType         string
	ProviderAccountName  string
	BuildTokenName       string
	BuildTokenUUID       string
	EnvironmentVariables map[string]EnvVar
}

// Build is one Workers build. Optional times are nil until reached.
type Build struct {
	UUID           string
	Status         Status
	Outcome        Outcome
	CreatedOn      time.Time
	ModifiedOn     time.Time
	InitializingOn *time.Time
	RunningOn      *time.Time
	StoppedOn      *time.Time
	Meta           TriggerMetadata
	Trigger        Trigger
	PullRequest    *PullRequest
	// PreviewURL is where a non-production build can be seen, when the API
	// says (API.md: preview_url, a string, absent or null): untrusted.
	PreviewURL string

	// WorkerTag and WorkerName are filled by the client from the call's context
	// (the tag asked for) and the Workers list; the build itself only carries the
	// trigger's external_script_id.
	WorkerTag  string
	WorkerName string

	// Source is the build exactly as the API sent it (a JSON object), so
	// `list --json` can pass on every field, unknown ones included. The
	// model never reads it.
	Source []byte
}

// Finished reports whether the build has stopped.
func (b Build) Finished() bool { return b.Status == StatusStopped }

// Active reports whether the build is queued, initializing or running (any
// status other than stopped, including ones the API may add later).
func (b Build) Active() bool { return b.Status != StatusStopped && b.Status != "" }

// StartedAt is when the build began working: initializing, else running, else created.
func (b Build) StartedAt() time.Time {
	switch {
	case b.InitializingOn != nil:
		return *b.InitializingOn
	case b.RunningOn != nil:
		return *b.RunningOn
	}
	return b.CreatedOn
}

// Duration is how long the build has taken: from start to stop, or to now while
// active. It is never negative.
func (b Build) Duration(now time.Time) time.Duration {
	end := now
	if b.StoppedOn != nil {
		end = *b.StoppedOn
	}
	start := b.CreatedOn
	if start.IsZero() {
		return 0
	}
	if d := end.Sub(start); d > 0 {
		return d
	}
	return 0
}

// ShortCommit is the first 7 characters of the commit hash.
func (b Build) ShortCommit() string {
	if len(b.Meta.CommitHash) > 7 {
		return b.Meta.CommitHash[:7]
	}
	return b.Meta.CommitHash
}

// CommitTitle is the first line of the commit message.
func (b Build) CommitTitle() string {
	msg := strings.TrimLeft(b.Meta.CommitMessage, "\r\n ")
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		return msg[:i]
	}
	return msg
}

// State is the one display state combining status and outcome.
type State string

// The display states. An unknown status or outcome shows as itself.
const (
	StateQueued       State = "queued"
	StateInitializing State = "initializing"
	StateRunning      State = "running"
	StateSucceeded    State = "succeeded"
	StateFailed       State = "failed"
	StateSkipped      State = "skipped"
	StateCancelled    State = "cancelled"
	StateTerminated   State = "terminated"
	StateStopped      State = "stopped" // stopped without an outcome
	StateUnknown      State = "unknown"
)

// State combines status and outcome into what a person wants to read.
func (b Build) State() State {
	switch b.Status {
	case StatusQueued:
		return StateQueued
	case StatusInitializing:
		return StateInitializing
	case StatusRunning:
		return StateRunning
	case StatusStopped:
		switch b.Outcome {
		case OutcomeSuccess:
			return StateSucceeded
		case OutcomeFail:
			return StateFailed
		case OutcomeSkipped:
			return StateSkipped
		case OutcomeCancelled:
			return StateCancelled
		case OutcomeTerminated:
			return StateTerminated
		case OutcomeNone:
			return StateStopped
		}
		return State(b.Outcome)
	case "":
		return StateUnknown
	}
	return State(b.Status)
}

// Cancellable reports whether the build can still be cancelled.
func (b Build) Cancellable() bool { return b.Active() }

// DashboardURL is the build's page in the Cloudflare dashboard. Each part is
// path-escaped: a Worker name cannot smuggle anything into the URL.
func DashboardURL(accountID, workerName, buildUUID string) string {
	return "https://dash.cloudflare.com/" + url.PathEscape(accountID) + "/workers/services/view/" +
		url.PathEscape(workerName) + "/production/builds/" + url.PathEscape(buildUUID)
}

// FormatDuration is a short duration: "42s", "3m07s", "1h02m".
func FormatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < 0 || d > 400*24*time.Hour:
		return "?" // a clock or a date is wrong: no build runs that long
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// SortNewestFirst orders builds by created_on, newest first, uuid breaking ties.
func SortNewestFirst(bs []Build) {
	sort.SliceStable(bs, func(i, j int) bool {
		if !bs[i].CreatedOn.Equal(bs[j].CreatedOn) {
			return bs[i].CreatedOn.After(bs[j].CreatedOn)
		}
		return bs[i].UUID > bs[j].UUID
	})
}
