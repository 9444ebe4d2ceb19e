package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

func listCommand() command {
	return command{name: "list", args: "[--worker NAME] [--json] [--limit N]", summary: "recent builds, newest first",
		example: "cfbuilds list --worker api-gateway --limit 50\ncfbuilds list --json | jq '.[0].build_trigger_metadata'",
		opts:    func() options { return &listOptions{} }}
}

type listOptions struct {
	worker string
	asJSON bool
	limit  int
}

func (o *listOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.worker, "worker", "", "only the builds of the Worker with this `name`")
	fs.BoolVar(&o.asJSON, "json", false, "print the builds as the API sent them, as JSON")
	fs.IntVar(&o.limit, "limit", 20, "at most `N` builds (1 to 1000)")
}

func (o *listOptions) validate(args []string) error {
	if err := wantArgs("list", args, 0, ""); err != nil {
		return err
	}
	if o.limit < 1 || o.limit > 1000 {
		return usagef("--limit must be between 1 and 1000, got %d", o.limit)
	}
	return nil
}

func (o *listOptions) run(ctx context.Context, e *env) error {
	return cmdList(ctx, e.client, o.worker, o.limit, o.asJSON, e.stdout, time.Now())
}

// listBuilds gathers the newest builds of every Worker (or one), newest first.
func listBuilds(ctx context.Context, c *api.Client, worker string, limit int) ([]model.Build, error) {
	workers, err := c.Workers(ctx)
	if err != nil {
		return nil, err
	}
	if worker != "" {
		var names []string
		var found []model.Worker
		for _, w := range workers {
			names = append(names, w.Name)
			if w.Name == worker {
				found = append(found, w)
			}
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("no Worker named %q in this account (it has: %s)", worker, strings.Join(names, ", "))
		}
		workers = found
	}
	var all []model.Build
	for _, w := range workers {
		builds, err := c.WorkerHistory(ctx, w, limit)
		if err != nil {
			return nil, err
		}
		for _, b := range builds {
			b.WorkerName, b.WorkerTag = w.Name, w.Tag
			all = append(all, b)
		}
	}
	model.SortNewestFirst(all)
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

func cmdList(ctx context.Context, c *api.Client, worker string, limit int, asJSON bool, out io.Writer, now time.Time) error {
	builds, err := listBuilds(ctx, c, worker, limit)
	if err != nil {
		return err
	}
	if asJSON {
		live, err := liveShares(ctx, c, builds)
		if err != nil {
			return err
		}
		items := make([]map[string]json.RawMessage, len(builds))
		for i, b := range builds {
			var pct *float64
			if p, ok := live[b.UUID]; ok {
				pct = &p
			}
			items[i] = api.OutputJSON(b, pct)
		}
		return writeJSON(out, items)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATE\tWORKER\tBRANCH\tCOMMIT\tMESSAGE\tCREATED\tDURATION\tBUILD")
	for _, b := range builds {
		dur := model.FormatDuration(b.Duration(now))
		if b.Status == model.StatusQueued {
			dur = "-"
		}
		title := model.SanitizeInline(b.CommitTitle())
		if len([]rune(title)) > 50 {
			title = string([]rune(title)[:49]) + "…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.State(), model.SanitizeInline(b.WorkerName),
			model.SanitizeInline(b.Meta.Branch), model.SanitizeInline(b.ShortCommit()), title,
			b.CreatedOn.Local().Format("2006-01-02 15:04"), dur, b.UUID)
	}
	return tw.Flush()
}
