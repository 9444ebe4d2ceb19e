package cli

// list's filters (--status, --branch, --commit, --since, --author), its
// --json FIELDS (flattened fields, as gh picks them) and --jq (gojq, as
// gh's --jq).

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/itchyny/gojq"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

// listStates are the words --status takes: a build's state, or active
// (queued, initializing, running) and stopped.
var listStates = []string{"queued", "initializing", "running", "succeeded", "failed", "cancelled", "skipped", "terminated", "active", "stopped"}

// listFields are what --json FIELDS may pick.
var listFields = []string{"uuid", "worker", "state", "status", "outcome", "branch", "commit", "message", "author",
	"trigger", "created_on", "stopped_on", "duration_seconds", "live_percent", "url"}

var fieldList = regexp.MustCompile(`^[a-z_]+(,[a-z_]+)*$`)

type listFilter struct {
	status, branch, commit, author, sinceText string
	since                                     time.Time
}

// check validates the filter's words.
func (f *listFilter) check() error {
	if f.status != "" && !contains(listStates, f.status) {
		return usagef("--status wants one of %s, got %q", strings.Join(listStates, ", "), model.SanitizeInline(f.status))
	}
	if f.commit != "" && !hexPrefix.MatchString(f.commit) {
		return usagef("--commit wants a commit SHA or a prefix of it (hex digits), got %q", model.SanitizeInline(f.commit))
	}
	if f.sinceText != "" {
		d, err := parseDuration(f.sinceText)
		if err != nil || d <= 0 {
			return usagef("--since wants a span such as 7d or 12h, got %q", model.SanitizeInline(f.sinceText))
		}
		f.since = time.Now().Add(-d)
	}
	return nil
}

var hexPrefix = regexp.MustCompile(`^[0-9a-fA-F]{4,64}$`)

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// keep is the filter as a predicate (nil: no filter).
func (f listFilter) keep() func(model.Build) bool {
	if f.status == "" && f.branch == "" && f.commit == "" && f.author == "" && f.since.IsZero() {
		return nil
	}
	return func(b model.Build) bool {
		switch {
		case f.status == "active" && !b.Active(), f.status == "stopped" && !b.Finished(),
			f.status != "" && f.status != "active" && f.status != "stopped" && string(b.State()) != f.status:
			return false
		case f.branch != "" && b.Meta.Branch != f.branch:
			return false
		case f.commit != "" && !(model.Push{Commit: strings.ToLower(f.commit)}).Builds(b):
			return false
		case f.author != "" && !strings.Contains(strings.ToLower(b.Meta.Author), strings.ToLower(f.author)):
			return false
		case !f.since.IsZero() && b.CreatedOn.Before(f.since):
			return false
		}
		return true
	}
}

// listJSON prints the builds as --json FIELDS picks them, or the whole
// builds, through --jq when given.
func (o *listOptions) listJSON(ctx context.Context, e *env) error {
	bs, err := listBuilds(ctx, e.client, o.worker, o.limit, o.filter.keep())
	if err != nil {
		return err
	}
	live, err := liveShares(ctx, e.client, bs)
	if err != nil {
		return err
	}
	items := make([]any, len(bs))
	for i, b := range bs {
		var pct *float64
		if p, ok := live[b.UUID]; ok {
			pct = &p
		}
		if o.fields == nil {
			raw, _ := json.Marshal(api.OutputJSON(b, pct))
			var v any
			_ = json.Unmarshal(raw, &v)
			items[i] = v
			continue
		}
		items[i] = pickFields(b, pct, o.fields, e.cfg.AccountID)
	}
	if o.jq == "" {
		return writeJSON(e.stdout, items)
	}
	// jq's values are JSON's: a round trip makes every number a float64.
	raw, _ := json.Marshal(items)
	var v any
	_ = json.Unmarshal(raw, &v)
	return runJQ(ctx, o.jq, v, e)
}

// pickFields is one build's chosen flattened fields (untrusted text
// sanitized).
func pickFields(b model.Build, live *float64, fields []string, accountID string) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		var v any
		switch f {
		case "uuid":
			v = b.UUID
		case "worker":
			v = model.SanitizeInline(b.WorkerName)
		case "state":
			v = string(b.State())
		case "status":
			v = string(b.Status)
		case "outcome":
			v = string(b.Outcome)
		case "branch":
			v = model.SanitizeInline(b.Meta.Branch)
		case "commit":
			v = b.Meta.CommitHash
		case "message":
			v = model.SanitizeInline(b.CommitTitle())
		case "author":
			v = model.SanitizeInline(b.Meta.Author)
		case "trigger":
			v = model.SanitizeInline(b.Trigger.TriggerName)
		case "created_on":
			v = b.CreatedOn.UTC().Format(time.RFC3339)
		case "stopped_on":
			if b.StoppedOn != nil {
				v = b.StoppedOn.UTC().Format(time.RFC3339)
			}
		case "duration_seconds":
			v = int64(b.Duration(time.Now()).Round(time.Second) / time.Second)
		case "live_percent":
			if live != nil {
				v = *live
			}
		case "url":
			v = model.DashboardURL(accountID, b.WorkerName, b.UUID)
		}
		out[f] = v
	}
	return out
}

// runJQ applies a jq expression to the JSON, as gh's --jq does: a string
// result prints raw, anything else as JSON, one a line.
func runJQ(ctx context.Context, expr string, v any, e *env) error {
	q, err := gojq.Parse(expr)
	if err != nil {
		return usagef("--jq: %v", err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return usagef("--jq: %v", err)
	}
	iter := code.RunWithContext(ctx, v)
	for {
		r, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := r.(error); isErr {
			return fmt.Errorf("--jq: %w", err)
		}
		if s, isString := r.(string); isString {
			fmt.Fprintln(e.stdout, s)
			continue
		}
		raw, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("--jq: %w", err)
		}
		fmt.Fprintln(e.stdout, string(raw))
	}
}
