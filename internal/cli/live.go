package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

func liveCommand() command {
	return command{name: "live", args: "[--worker NAME] [--json]", summary: "per Worker, the deployment serving traffic and the builds behind it",
		example: "cfbuilds live --worker api-gateway",
		opts:    func() options { return &liveOptions{} }}
}

type liveOptions struct {
	worker string
	asJSON bool
}

func (o *liveOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.worker, "worker", "", "only the Worker with this `name`")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON")
}

func (o *liveOptions) validate(args []string) error { return wantArgs("live", args, 0, "") }

func (o *liveOptions) run(ctx context.Context, e *env) error {
	defer progress(e.stderr, isTerminal(e.stderr), progressAfter, "reading the deployments")()
	return cmdLive(ctx, e.client, o.worker, o.asJSON, e.stdout)
}

// liveShares is the traffic each listed build serves now, by build uuid.
func liveShares(ctx context.Context, c *api.Client, builds []model.Build) (map[string]float64, error) {
	var workers []model.Worker
	seen := map[string]bool{}
	for _, b := range builds {
		if !seen[b.WorkerTag] {
			seen[b.WorkerTag] = true
			workers = append(workers, model.Worker{Name: b.WorkerName, Tag: b.WorkerTag})
		}
	}
	lives, err := c.LiveOf(ctx, workers)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, l := range lives {
		if cur, ok := l.Current(); ok {
			for _, v := range cur.Versions {
				if id := l.BuildOf(v.VersionID); id != "" && v.Percentage > 0 {
					out[id] += v.Percentage
				}
			}
		}
	}
	return out, nil
}

// selectWorkers is every Worker, or the one named.
func selectWorkers(ctx context.Context, c *api.Client, name string) ([]model.Worker, error) {
	workers, err := c.Workers(ctx)
	if err != nil || name == "" {
		return workers, err
	}
	var names []string
	for _, w := range workers {
		if w.Name == name {
			return []model.Worker{w}, nil
		}
		names = append(names, w.Name)
	}
	return nil, fmt.Errorf("no Worker named %q in this account (it has: %s)", name, strings.Join(names, ", "))
}

// liveJSON is one Worker in `live --json`.
type liveJSON struct {
	WorkerName string          `json:"worker_name"`
	WorkerTag  string          `json:"worker_tag"`
	Deployment *deploymentJSON `json:"deployment"`
}

type deploymentJSON struct {
	ID          string        `json:"id"`
	CreatedOn   time.Time     `json:"created_on"`
	Source      string        `json:"source"`
	Strategy    string        `json:"strategy"`
	Message     string        `json:"message"`
	TriggeredBy string        `json:"triggered_by"`
	AuthorEmail string        `json:"author_email"`
	Versions    []versionJSON `json:"versions"`
}

type versionJSON struct {
	VersionID  string         `json:"version_id"`
	Percentage float64        `json:"percentage"`
	Build      *api.BuildJSON `json:"build"` // null: not from a build

	build *model.Build // the same, for the text output
}

// cmdLive prints, per Worker, the deployment serving traffic and the build
// behind each of its versions.
func cmdLive(ctx context.Context, c *api.Client, worker string, asJSON bool, out io.Writer) error {
	workers, err := selectWorkers(ctx, c, worker)
	if err != nil {
		return err
	}
	lives, err := c.LiveOf(ctx, workers)
	if err != nil {
		return err
	}
	items := make([]liveJSON, 0, len(lives))
	for _, l := range lives {
		item := liveJSON{WorkerName: l.Worker.Name, WorkerTag: l.Worker.Tag}
		if cur, ok := l.Current(); ok {
			d := &deploymentJSON{ID: cur.ID, CreatedOn: cur.CreatedOn, Source: cur.Source, Strategy: cur.Strategy,
				Message: cur.Message, TriggeredBy: cur.TriggeredBy, AuthorEmail: cur.Author}
			for _, v := range cur.Versions {
				vj := versionJSON{VersionID: v.VersionID, Percentage: v.Percentage}
				if b, ok := l.Builds[v.VersionID]; ok {
					bj := api.ToJSON(b)
					vj.Build, vj.build = &bj, &b
				}
				d.Versions = append(d.Versions, vj)
			}
			item.Deployment = d
		}
		items = append(items, item)
	}
	if asJSON {
		return writeJSON(out, items)
	}
	// Buffered: the write error comes from Flush, and is returned.
	w := bufio.NewWriter(out)
	for _, it := range items {
		name := model.SanitizeInline(it.WorkerName)
		d := it.Deployment
		if d == nil {
			fmt.Fprintf(w, "%s  never deployed\n", name)
			continue
		}
		fmt.Fprintf(w, "%s  deployed %s by %s (%s, %s)", name, d.CreatedOn.Local().Format("2006-01-02 15:04"),
			orDash(model.SanitizeInline(d.AuthorEmail)), orDash(model.SanitizeInline(d.Source)), orDash(model.SanitizeInline(d.TriggeredBy)))
		if d.Message != "" {
			fmt.Fprintf(w, ": %q", model.SanitizeInline(d.Message))
		}
		fmt.Fprintln(w)
		for _, v := range d.Versions {
			fmt.Fprintf(w, "  %5s%%  version %s  ", model.FormatPercent(v.Percentage), model.SanitizeInline(v.VersionID))
			if v.build == nil {
				fmt.Fprintln(w, "not from a build")
				continue
			}
			b := v.build
			fmt.Fprintf(w, "build %s  %s %s %q\n", model.SanitizeInline(b.UUID), model.SanitizeInline(b.Meta.Branch),
				model.SanitizeInline(b.ShortCommit()), model.SanitizeInline(b.CommitTitle()))
		}
	}
	return w.Flush()
}
