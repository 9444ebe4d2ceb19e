package api

import (
	"encoding/json"
	"math"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// BuildJSON is a build under the API's own field names, for `list --json`,
// plus the Worker it belongs to.
type BuildJSON struct {
	BuildUUID            string          `json:"build_uuid"`
	Status               string          `json:"status"`
	BuildOutcome         *string         `json:"build_outcome"`
	CreatedOn            *time.Time      `json:"created_on"`
	ModifiedOn           *time.Time      `json:"modified_on"`
	InitializingOn       *time.Time      `json:"initializing_on"`
	RunningOn            *time.Time      `json:"running_on"`
	StoppedOn            *time.Time      `json:"stopped_on"`
	BuildTriggerMetadata MetaJSON        `json:"build_trigger_metadata"`
	PullRequest          *PullRequestOut `json:"pull_request"`
	WorkerName           string          `json:"worker_name"`
	WorkerTag            string          `json:"worker_tag"`
	// LivePercentage is the share of traffic the build's version serves
	// now, present only for builds that serve traffic.
	LivePercentage *float64 `json:"live_percentage,omitempty"`
}

// MetaJSON is build_trigger_metadata under its API names.
type MetaJSON struct {
	BuildTriggerSource  string `json:"build_trigger_source"`
	Branch              string `json:"branch"`
	CommitHash          string `json:"commit_hash"`
	CommitMessage       string `json:"commit_message"`
	Author              string `json:"author"`
	BuildCommand        string `json:"build_command"`
	DeployCommand       string `json:"deploy_command"`
	RootDirectory       string `json:"root_directory"`
	RepoName            string `json:"repo_name"`
	ProviderType        string `json:"provider_type"`
	ProviderAccountName string `json:"provider_account_name"`
}

// PullRequestOut is pull_request under its API names.
type PullRequestOut struct {
	CreatedOn      *time.Time `json:"created_on"`
	PullRequestURL string     `json:"pull_request_url"`
}

// ToJSON converts a build for output.
func ToJSON(b model.Build) BuildJSON {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	out := BuildJSON{
		BuildUUID: b.UUID, Status: string(b.Status),
		CreatedOn: opt(b.CreatedOn), ModifiedOn: opt(b.ModifiedOn),
		InitializingOn: b.InitializingOn, RunningOn: b.RunningOn, StoppedOn: b.StoppedOn,
		BuildTriggerMetadata: MetaJSON{
			BuildTriggerSource: b.Meta.Source, Branch: b.Meta.Branch, CommitHash: b.Meta.CommitHash,
			CommitMessage: b.Meta.CommitMessage, Author: b.Meta.Author, BuildCommand: b.Meta.BuildCommand,
			DeployCommand: b.Meta.DeployCommand, RootDirectory: b.Meta.RootDirectory, RepoName: b.Meta.RepoName,
			ProviderType: b.Meta.ProviderType, ProviderAccountName: b.Meta.ProviderAccountName,
		},
		WorkerName: b.WorkerName, WorkerTag: b.WorkerTag,
	}
	if b.Outcome != "" {
		o := string(b.Outcome)
		out.BuildOutcome = &o
	}
	if b.PullRequest != nil {
		out.PullRequest = &PullRequestOut{CreatedOn: opt(b.PullRequest.CreatedOn), PullRequestURL: b.PullRequest.URL}
	}
	return out
}

// OutputJSON is a build for `list --json`: every field the API sent, under
// its own names and nesting, unknown ones included, plus worker_name,
// worker_tag and (for a build serving traffic) live_percentage. A build
// that did not come from the API whole falls back to ToJSON's fields.
func OutputJSON(b model.Build, live *float64) map[string]json.RawMessage {
	var out map[string]json.RawMessage
	if json.Unmarshal(b.Source, &out) != nil || out == nil {
		out = map[string]json.RawMessage{}
		full, _ := json.Marshal(ToJSON(b))
		_ = json.Unmarshal(full, &out)
	}
	set := func(k string, v any) {
		if enc, err := json.Marshal(v); err == nil {
			out[k] = enc
		}
	}
	set("worker_name", b.WorkerName)
	set("worker_tag", b.WorkerTag)
	delete(out, "live_percentage")
	if live != nil && !math.IsNaN(*live) && !math.IsInf(*live, 0) {
		set("live_percentage", *live)
	}
	return out
}
