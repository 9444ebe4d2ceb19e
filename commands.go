package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
)

// The non-interactive subcommands: thin over api, printing plain text or JSON.

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

// logPrinter writes log lines safely: colour only when wanted.
type logPrinter struct {
	out        io.Writer
	colour     bool
	timestamps bool
}

func (p logPrinter) print(lines []model.LogLine) {
	w := bufio.NewWriter(p.out)
	for _, l := range lines {
		s := model.Sanitize(l.Text)
		text := s.Text
		if !p.colour {
			text = s.Plain()
		}
		if p.timestamps {
			w.WriteString(l.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
			w.WriteByte(' ')
		}
		w.WriteString(text)
		w.WriteByte('\n')
	}
	_ = w.Flush()
}

func cmdLogs(ctx context.Context, c *api.Client, uuid string, follow bool, p logPrinter, stderr io.Writer) error {
	if !follow {
		lines, err := c.ReadLog(ctx, uuid)
		p.print(lines)
		return err
	}
	_, err := c.Follow(ctx, uuid, 2*time.Second, p.print, retryOrGiveUp(stderr))
	return err
}

// retryOrGiveUp reports transient errors and keeps going; errors that will
// not mend by waiting (credentials, unknown build) end the command.
func retryOrGiveUp(stderr io.Writer) func(error) error {
	return func(err error) error {
		if errors.Is(err, api.ErrUnauthorized) || errors.Is(err, api.ErrForbidden) || errors.Is(err, api.ErrNotFound) || errors.Is(err, api.ErrRequest) {
			return err
		}
		fmt.Fprintf(stderr, "cfbuilds: %v (retrying)\n", err)
		return nil
	}
}

// workerNames maps tags to names; a failure only costs the names.
func workerNames(ctx context.Context, c *api.Client) map[string]string {
	names := map[string]string{}
	if ws, err := c.Workers(ctx); err == nil {
		for _, w := range ws {
			names[w.Tag] = w.Name
		}
	}
	return names
}

func describe(b model.Build, names map[string]string, now time.Time) string {
	name := names[b.WorkerTag]
	if name == "" {
		name = b.WorkerTag
	}
	return fmt.Sprintf("%s on %s at %s (%s, %s)", model.SanitizeInline(name), model.SanitizeInline(b.Meta.Branch),
		model.SanitizeInline(b.ShortCommit()), b.State(), model.FormatDuration(b.Duration(now)))
}

// cmdWatch follows a build until it stops; it returns the exit code.
func cmdWatch(ctx context.Context, c *api.Client, uuid string, out, stderr io.Writer) (int, error) {
	names := workerNames(ctx, c)
	onErr := retryOrGiveUp(stderr)
	var last model.State
	wait := 2 * time.Second
	for {
		b, err := c.Build(ctx, uuid)
		if err != nil {
			if e := onErr(err); e != nil {
				return 1, e
			}
			wait = min(wait*2, time.Minute)
			wait = max(wait, api.RetryAfter(err))
		} else {
			wait = 2 * time.Second
			if s := b.State(); s != last {
				fmt.Fprintf(out, "%s  %s\n", time.Now().Format("15:04:05"), describe(b, names, time.Now()))
				last = s
			}
			if b.Finished() {
				if b.Outcome == model.OutcomeSuccess || b.Outcome == model.OutcomeSkipped {
					return 0, nil
				}
				return 1, nil
			}
		}
		select {
		case <-ctx.Done():
			return 1, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func cmdCancel(ctx context.Context, c *api.Client, uuid string, yes, interactive bool, in io.Reader, out io.Writer) error {
	b, err := c.Build(ctx, uuid)
	if err != nil {
		return err
	}
	names := workerNames(ctx, c)
	if !b.Cancellable() {
		return fmt.Errorf("build %s is %s: only a queued or running build can be cancelled", uuid, b.State())
	}
	if !yes {
		if !interactive {
			return usagef("refusing to cancel build %s without --yes: stdin is not a terminal to ask on", uuid)
		}
		fmt.Fprintf(out, "Cancel the build of %s? [y/N] ", describe(b, names, time.Now()))
		answer, _ := bufio.NewReader(in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(out, "Not cancelled.")
			return nil
		}
	}
	res, err := c.Cancel(ctx, uuid)
	if err != nil {
		return err
	}
	outcome := res.Outcome
	if outcome == "" {
		outcome = "cancel requested"
	}
	fmt.Fprintf(out, "Build %s: %s\n", uuid, outcome)
	return nil
}

// parseFaults reads "5xx=0.2,html=0.05,malformed=0.05,false=0.01,reset=0.01,truncated=0.01,latency=3s".
func parseFaults(spec string) (sim.Faults, error) {
	var f sim.Faults
	if spec == "" {
		return f, nil
	}
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return f, usagef("--faults: %q is not name=value", part)
		}
		if k == "latency" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return f, usagef("--faults: latency wants a duration like 500ms, got %q", v)
			}
			f.Latency = d
			continue
		}
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || p < 0 || p > 1 {
			return f, usagef("--faults: %s wants a probability between 0 and 1, got %q", k, v)
		}
		switch k {
		case "5xx":
			f.Server5xx = p
		case "html":
			f.HTML502 = p
		case "malformed":
			f.Malformed = p
		case "false":
			f.SuccessFalse = p
		case "reset":
			f.Reset = p
		case "truncated":
			f.Truncated = p
		default:
			return f, usagef("--faults: unknown fault %q (known: 5xx, html, malformed, false, reset, truncated, latency)", k)
		}
	}
	return f, nil
}

// simEnv is what a shell needs to point cfbuilds at a simulator.
func simEnv(url, account, token string) string {
	return fmt.Sprintf("export CLOUDFLARE_API_BASE_URL=%s\nexport CLOUDFLARE_ACCOUNT_ID=%s\nexport CLOUDFLARE_API_TOKEN=%s\n", url, account, token)
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
					vj.Build = &bj
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
	w := bufio.NewWriter(out)
	defer w.Flush()
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
			if v.Build == nil {
				fmt.Fprintln(w, "not from a build")
				continue
			}
			b := v.Build
			fmt.Fprintf(w, "build %s  %s %s %q\n", b.BuildUUID, model.SanitizeInline(b.BuildTriggerMetadata.Branch),
				model.SanitizeInline(shortHash(b.BuildTriggerMetadata.CommitHash)), model.SanitizeInline(firstLine(b.BuildTriggerMetadata.CommitMessage)))
		}
	}
	return nil
}

// cmdVersion prints the build behind each version id.
func cmdVersion(ctx context.Context, c *api.Client, ids []string, asJSON bool, out io.Writer) error {
	builds, err := c.BuildsByVersion(ctx, ids)
	if err != nil {
		return err
	}
	names := workerNames(ctx, c)
	if asJSON {
		res := map[string]map[string]json.RawMessage{}
		for _, id := range ids {
			res[id] = nil
			if b, ok := builds[id]; ok {
				b.WorkerName = names[b.WorkerTag]
				res[id] = api.OutputJSON(b, nil)
			}
		}
		return writeJSON(out, res)
	}
	for _, id := range ids {
		b, ok := builds[id]
		if !ok {
			fmt.Fprintf(out, "%s  not from a build\n", model.SanitizeInline(id))
			continue
		}
		fmt.Fprintf(out, "%s  build %s  %s\n", model.SanitizeInline(id), b.UUID, describe(b, names, time.Now()))
	}
	return nil
}

// versionID is the shape of a Worker version id: a UUID.
var versionID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isVersionID(s string) bool { return versionID.MatchString(s) }

func shortHash(h string) string {
	if len(h) > 7 {
		return h[:7]
	}
	return h
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// writeJSON prints v as indented JSON, with <, > and & left readable.
func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// cmdSim serves a simulated account until interrupted.
func cmdSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sim", stderr)
	var (
		addr      = fs.String("addr", "127.0.0.1:8787", "")
		account   = fs.String("account", sim.DefaultAccountID, "")
		token     = fs.String("token", sim.DefaultToken, "")
		readOnly  = fs.String("read-only-token", sim.DefaultReadOnlyToken, "")
		order     = fs.String("history-order", "newest", "")
		envVars   = fs.String("env-vars", "object", "")
		workers   = fs.Int("workers", 6, "")
		seed      = fs.Uint64("seed", 1, "")
		pageSize  = fs.Int("page-size", 1000, "")
		cursor    = fs.String("cursor", "incremental", "")
		rateLimit = fs.Int("rate-limit", 0, "")
		pushEvery = fs.Duration("push-every", 20*time.Second, "")
		extra     = fs.Int("extra-log-lines", 0, "")
		faults    = fs.String("faults", "", "")
		help      = fs.Bool("help", false, "")
	)
	if _, err := parseInterspersed(fs, args); err != nil {
		return flagError(err)
	}
	if *help {
		fmt.Fprint(stdout, simUsage)
		return nil
	}
	f, err := parseFaults(*faults)
	if err != nil {
		return err
	}
	mode := sim.CursorIncremental
	switch *cursor {
	case "incremental":
	case "snapshot":
		mode = sim.CursorSnapshot
	default:
		return usagef("--cursor must be incremental or snapshot, got %q", *cursor)
	}
	orders := map[string]sim.HistoryOrder{"newest": sim.HistoryNewestFirst, "oldest": sim.HistoryOldestFirst, "shuffled": sim.HistoryShuffled}
	histOrder, ok := orders[*order]
	if !ok {
		return usagef("--history-order must be newest, oldest or shuffled, got %q", *order)
	}
	if *envVars != "object" && *envVars != "plain" {
		return usagef("--env-vars must be object or plain, got %q", *envVars)
	}
	if *workers < 1 || *workers > 500 || *pageSize < 1 || *extra < 0 || *rateLimit < 0 {
		return usagef("--workers wants 1 to 500, --page-size at least 1, --extra-log-lines and --rate-limit at least 0")
	}
	s := sim.New(sim.Options{AccountID: *account, Token: *token, ReadOnlyToken: *readOnly, Workers: *workers, Seed: *seed,
		PageSize: *pageSize, Cursor: mode, RateLimit: *rateLimit, PushEvery: *pushEvery, ExtraLogLines: *extra, Faults: f,
		HistoryOrder: histOrder, PlainEnvVars: *envVars == "plain"})
	sv, err := s.Listen(*addr)
	if err != nil {
		return err
	}
	defer sv.Close()
	fmt.Fprintf(stdout, "# cfbuilds simulator on %s; point cfbuilds at it with:\n%s", sv.Addr(), simEnv(sv.URL, *account, *token))
	<-ctx.Done()
	return nil
}

const simUsage = `cfbuilds sim: serve a simulated Workers Builds account over HTTP.

  --addr ADDR            listen address (default 127.0.0.1:8787)
  --account ID           account id (default ` + sim.DefaultAccountID + `)
  --token TOKEN          the token that may read and act (default ` + sim.DefaultToken + `)
  --read-only-token T    a token that may only read: writes get 403, code 10000
                         (default ` + sim.DefaultReadOnlyToken + `)
  --workers N            Workers in the account (default 6)
  --seed N               random seed (default 1)
  --page-size N          log lines per page (default 1000)
  --cursor MODE          incremental: the last cursor returns new lines;
                         snapshot: only a read from the start shows them
  --rate-limit N         requests per 5 minutes before 429s (default 0: none);
                         every answer reports what remains in Ratelimit headers
  --history-order O      newest, oldest or shuffled: the order of a Worker's
                         history pages (default newest)
  --env-vars SHAPE       object ({is_secret, created_on, value}, as Cloudflare's
                         own client reads them) or plain (name: value) (default object)
  --push-every D         mean time between pushes (default 20s; negative: none)
  --extra-log-lines N    pad every new build's log with N lines
  --faults SPEC          e.g. 5xx=0.2,html=0.05,malformed=0.05,false=0.01,reset=0.01,truncated=0.01,latency=3s
`
