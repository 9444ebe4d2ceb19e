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
	return command{name: "live", args: "[--worker NAME] [--json]", summary: "per Worker, the deployment serving traffic and the builds behind it (a Worker that cannot be read is marked; exit 1 when one failed)",
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
	workers, err := selectWorkers(ctx, e.client, o.worker)
	if err != nil {
		return err
	}
	// A request per Worker: on a large account that is minutes of the
	// budget, so say so first, and how far it got as it goes.
	n := len(workers) + (len(workers)+19)/20
	if wait := budgetTime(n, e.client.Usage()); wait > 10*time.Second {
		fmt.Fprintf(e.stderr, "cfbuilds: reading the deployments of %d Workers: %d requests, about %s at this process's share of the request budget; what is read is printed as it comes\n",
			len(workers), n, model.FormatDuration(wait))
	}
	tick := func(done int) {}
	if isTerminal(e.stderr) {
		stop := progress(e.stderr, true, progressAfter, "reading the deployments")
		defer stop()
		// done < 0 clears the line before stdout writes under it.
		tick = func(done int) {
			fmt.Fprint(e.stderr, "\r\x1b[K")
			if done >= 0 && done < len(workers) {
				fmt.Fprintf(e.stderr, "cfbuilds: read %d of %d Workers' deployments…", done, len(workers))
			}
		}
	}
	return cmdLive(ctx, e.client, workers, o.asJSON, e.stdout, tick)
}

// budgetTime is how long n requests take at the process's share of the
// budget, after what the start-up burst allows at once.
func budgetTime(n int, b model.Budget) time.Duration {
	const burst = 150
	if n <= burst || b.Limit <= 0 {
		return 0
	}
	return time.Duration(float64(n-burst) / float64(b.Limit) * float64(5*time.Minute))
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
	msg := fmt.Sprintf("no Worker named %q in this account of %d Workers", model.SanitizeInline(name), len(names))
	if close := model.CloseNames(name, names, 5); len(close) > 0 {
		msg += "; did you mean " + model.SanitizeInline(strings.Join(close, ", ")) + "?"
	}
	return nil, usagef("%s (cfbuilds list names them)", msg) // a typo: exit 2
}

// liveJSON is one Worker in `live --json`.
type liveJSON struct {
	WorkerName string          `json:"worker_name"`
	WorkerTag  string          `json:"worker_tag"`
	Deployment *deploymentJSON `json:"deployment"`
	// Error says why the Worker's deployments could not be read; gone:
	// it was deleted since it was listed.
	Error string `json:"error,omitempty"`
	Gone  bool   `json:"gone,omitempty"`
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
// behind each of its versions: the text as each 20 Workers are read, the
// JSON at the end. A Worker that cannot be read is marked; one that failed
// (not only gone) makes the exit 1 once every other is printed.
func cmdLive(ctx context.Context, c *api.Client, workers []model.Worker, asJSON bool, out io.Writer, tick func(done int)) error {
	var items []liveJSON
	failed, done := 0, 0
	err := c.LiveEach(ctx, workers, func(lives []api.Live) error {
		batch := make([]liveJSON, 0, len(lives))
		for _, l := range lives {
			item := liveItem(l)
			if l.Err != nil && !l.Gone() {
				failed++
			}
			batch = append(batch, item)
		}
		done += len(lives)
		if asJSON {
			items = append(items, batch...)
			tick(done)
			return nil
		}
		tick(-1)
		err := printLive(out, batch)
		tick(done)
		return err
	})
	if err != nil {
		return err
	}
	if asJSON {
		if items == nil {
			items = []liveJSON{}
		}
		if err := writeJSON(out, items); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("could not read the deployments of %d Worker(s); the others are above", failed)
	}
	return nil
}

// liveItem is one Worker's line of `live`, as JSON.
func liveItem(l api.Live) liveJSON {
	item := liveJSON{WorkerName: l.Worker.Name, WorkerTag: l.Worker.Tag}
	switch {
	case l.Gone():
		item.Gone, item.Error = true, "deleted since it was listed"
	case l.Err != nil:
		item.Error = model.SanitizeInline(l.Err.Error())
	}
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
	return item
}

// printLive writes Workers' lines of `live` as text.
func printLive(out io.Writer, items []liveJSON) error {
	// Buffered: the write error comes from Flush, and is returned.
	w := bufio.NewWriter(out)
	for _, it := range items {
		name := model.SanitizeInline(it.WorkerName)
		d := it.Deployment
		switch {
		case it.Gone:
			fmt.Fprintf(w, "%s  gone: deleted since it was listed\n", name)
			continue
		case it.Error != "":
			fmt.Fprintf(w, "%s  could not read its deployments: %s\n", name, it.Error)
			continue
		case d == nil:
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
