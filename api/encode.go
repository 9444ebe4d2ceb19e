package api

import (
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
