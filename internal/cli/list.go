package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/charmbracelet/x/ansi"
)

func listCommand() command {
	return command{name: "list", args: "[--worker NAME] [--status S] [--branch B] [--commit SHA] [--since 7d] [--author A] [--json [FIELDS]] [--jq EXPR] [--limit N]",
		summary: "recent builds, newest first",
		example: "cfbuilds list --worker api-gateway --limit 50\ncfbuilds list --status failed --branch main --since 7d\n" +
			"cfbuilds list --json worker,state,commit,duration_seconds\ncfbuilds list --json --jq '.[] | select(.build_outcome == \"fail\") | .build_uuid'",
		opts: func() options { return &listOptions{} }}
}

type listOptions struct {
	worker string
	asJSON bool
	limit  int
	filter listFilter
	fields []string // --json FIELDS: these flattened fields only
	jq     string
}

func (o *listOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.worker, "worker", "", "only the builds of the Worker with this `name`")
	fs.BoolVar(&o.asJSON, "json", false, "print the builds as the API sent them, as JSON; --json FIELDS (comma-separated) prints only those: "+strings.Join(listFields, ", "))
	fs.IntVar(&o.limit, "limit", 20, "at most `N` builds (1 to 1000)")
	fs.StringVar(&o.filter.status, "status", "", "only builds in this `state`: "+strings.Join(listStates, ", "))
	fs.StringVar(&o.filter.branch, "branch", "", "only builds of this `branch`")
	fs.StringVar(&o.filter.commit, "commit", "", "only builds of this commit (`SHA` or its prefix)")
	fs.StringVar(&o.filter.sinceText, "since", "", "only builds created in this last `span` (7d, 12h)")
	fs.StringVar(&o.filter.author, "author", "", "only builds whose commit author contains this `text`")
	fs.StringVar(&o.jq, "jq", "", "filter the JSON with this jq `expression` (gojq); implies --json")
}

func (o *listOptions) validate(args []string) error {
	if o.asJSON && len(args) == 1 && fieldList.MatchString(args[0]) {
		o.fields, args = strings.Split(args[0], ","), nil // --json FIELDS
	}
	if err := wantArgs("list", args, 0, ""); err != nil {
		return err
	}
	if o.limit < 1 || o.limit > 1000 {
		return usagef("--limit must be between 1 and 1000, got %d", o.limit)
	}
	if o.jq != "" {
		o.asJSON = true
	}
	for _, f := range o.fields {
		if !contains(listFields, f) {
			return usagef("--json: no field %q; the fields are %s", model.SanitizeInline(f), strings.Join(listFields, ", "))
		}
	}
	return o.filter.check()
}

func (o *listOptions) run(ctx context.Context, e *env) error {
	defer progress(e.stderr, isTerminal(e.stderr), progressAfter, "reading the latest builds")()
	if o.asJSON && (o.fields != nil || o.jq != "") {
		return o.listJSON(ctx, e)
	}
	return cmdList(ctx, e.client, o.worker, o.limit, o.asJSON, o.filter.keep(), e.stdout, time.Now())
}

// listBuilds gathers the newest builds of every Worker (or one), newest
// first. It starts from the latest build of every Worker (20 a call) and
// reads the histories only of the Workers whose builds can be among the
// newest limit: a Worker whose latest build is older than the limit-th
// found so far has nothing newer to add.
// With keep (a filter), only the builds it keeps count, and each Worker's
// history is read deeper (a filter can skip its newest builds).
func listBuilds(ctx context.Context, c *api.Client, worker string, limit int, keep func(model.Build) bool) ([]model.Build, error) {
	workers, err := selectWorkers(ctx, c, worker)
	if err != nil {
		return nil, err
	}
	page := limit
	if keep != nil {
		page = min(max(limit*3, 50), 200)
	}
	if worker != "" {
		bs, err := c.WorkerHistory(ctx, workers[0], page)
		var out []model.Build
		for _, b := range bs {
			b.WorkerName, b.WorkerTag = workers[0].Name, workers[0].Tag
			if keep == nil || keep(b) {
				out = append(out, b)
			}
		}
		return out[:min(len(out), limit)], err
	}
	tags := make([]string, len(workers))
	for i, w := range workers {
		tags[i] = w.Tag
	}
	latest, err := c.LatestBuilds(ctx, tags)
	if err != nil {
		return nil, err
	}
	found := builds{keep: keep}
	var order []model.Worker // Workers with a build, the newest latest first
	for _, w := range workers {
		if b, ok := latest[w.Tag]; ok {
			b.WorkerName, b.WorkerTag = w.Name, w.Tag
			found.add(b)
			order = append(order, w)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return latest[order[i].Tag].CreatedOn.After(latest[order[j].Tag].CreatedOn) })
	if keep == nil {
		// Past the limit-th Worker, a Worker's latest build is older than
		// limit latest builds already found: none of its builds can be
		// shown. (With a filter, a latest build may not count.)
		order = order[:min(len(order), limit)]
	}
	const together = 8 // histories read at once
	for i := 0; i < len(order); i += together {
		if found.full(limit) && !latest[order[i].Tag].CreatedOn.After(found.nth(limit).CreatedOn) {
			break
		}
		batch := order[i:min(i+together, len(order))]
		histories, errs := make([][]model.Build, len(batch)), make([]error, len(batch))
		var wg sync.WaitGroup
		for k, w := range batch {
			wg.Go(func() { histories[k], errs[k] = c.WorkerHistory(ctx, w, page) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		for k, h := range histories {
			for _, b := range h {
				b.WorkerName, b.WorkerTag = batch[k].Name, batch[k].Tag
				found.add(b)
			}
		}
	}
	return found.newest(limit), nil
}

// builds is a set of builds by uuid, kept newest first (those keep
// keeps, when set).
type builds struct {
	list []model.Build
	seen map[string]bool
	keep func(model.Build) bool
}

func (bs *builds) add(b model.Build) {
	if bs.seen == nil {
		bs.seen = map[string]bool{}
	}
	if bs.seen[b.UUID] || bs.keep != nil && !bs.keep(b) {
		return
	}
	bs.seen[b.UUID] = true
	bs.list = append(bs.list, b)
	model.SortNewestFirst(bs.list)
}

func (bs *builds) full(n int) bool       { return len(bs.list) >= n }
func (bs *builds) nth(n int) model.Build { return bs.list[n-1] }

func (bs *builds) newest(n int) []model.Build { return bs.list[:min(n, len(bs.list))] }

func cmdList(ctx context.Context, c *api.Client, worker string, limit int, asJSON bool, keep func(model.Build) bool, out io.Writer, now time.Time) error {
	builds, err := listBuilds(ctx, c, worker, limit, keep)
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
	rows := [][]string{{"STATE", "WORKER", "BRANCH", "COMMIT", "MESSAGE", "CREATED", "DURATION", "BUILD"}}
	for _, b := range builds {
		dur := model.FormatDuration(b.Duration(now))
		if b.Status == model.StatusQueued {
			dur = "-"
		}
		title := ansi.Truncate(model.SanitizeInline(b.CommitTitle()), 50, "…") // 50 cells, wide characters counted twice
		rows = append(rows, []string{string(b.State()), model.SanitizeInline(b.WorkerName), model.SanitizeInline(b.Meta.Branch),
			model.SanitizeInline(b.ShortCommit()), title, b.CreatedOn.Local().Format("2006-01-02 15:04"), dur, b.UUID})
	}
	return writeTable(out, rows)
}

// writeTable writes rows in columns two spaces apart, padded by display
// width: a CJK character or an emoji takes two cells of a terminal, and
// text/tabwriter would count it as one and shift the row.
func writeTable(out io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], model.Width(c))
		}
	}
	w := bufio.NewWriter(out)
	for _, r := range rows {
		for i, c := range r {
			w.WriteString(c)
			if i < len(r)-1 {
				w.WriteString(strings.Repeat(" ", widths[i]-model.Width(c)+2))
			}
		}
		w.WriteByte('\n')
	}
	return w.Flush()
}
