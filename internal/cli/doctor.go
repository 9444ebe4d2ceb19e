package cli

// cfbuilds doctor: will this account's builds work, and if not, what to fix.
// It only reads; the checks themselves are model's (model/doctor.go).

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/internal/files"
	"github.com/cfbuilds/cfbuilds/model"
)

func doctorCommand() command {
	return command{name: "doctor", args: "[--worker NAME] [--json] [--dir PATH]",
		summary: "check that this account's builds will work, and say what to fix; reads only (exit 0 all pass, 1 a problem, 3 could not check)",
		example: "cfbuilds doctor\ncfbuilds doctor --worker api-gateway --dir . --json",
		opts:    func() options { return &doctorOptions{} }}
}

type doctorOptions struct {
	worker, dir string
	asJSON      bool
}

func (o *doctorOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.worker, "worker", "", "check only the Worker with this `name`")
	fs.BoolVar(&o.asJSON, "json", false, "print every check as JSON: worker, check, status, message, fix, page")
	fs.StringVar(&o.dir, "dir", "", "compare the wrangler configuration in this `directory` with the account (default: the current one, when it holds one)")
}

func (o *doctorOptions) validate(args []string) error { return wantArgs("doctor", args, 0, "") }

// readTriggersUpTo is the most Workers whose triggers doctor reads one call
// each; past it, each Worker's latest build says what its trigger was.
const readTriggersUpTo = 50

func (o *doctorOptions) run(ctx context.Context, e *env) error {
	checks, err := o.check(ctx, e)
	if err != nil {
		fmt.Fprintf(e.stderr, "cfbuilds doctor: could not check: %v\n", err)
		return exitCode(3)
	}
	if o.asJSON {
		if err := writeJSON(e.stdout, checks); err != nil {
			return err
		}
	} else {
		printChecks(e.stdout, checks)
	}
	for _, c := range checks {
		if c.Status != model.CheckOK {
			return exitCode(1)
		}
	}
	return nil
}

// check runs every check; an error means they could not run at all.
func (o *doctorOptions) check(ctx context.Context, e *env) ([]model.Check, error) {
	c := e.client
	var checks []model.Check
	tok, err := c.VerifyToken(ctx)
	switch {
	case api.Refused(err):
		return []model.Check{refusedCheck("API token", err)}, nil
	case err != nil:
		return nil, err
	}
	checks = append(checks, model.CheckToken(tok.Status, tok.ExpiresOn, time.Now()))
	workers, err := selectWorkers(ctx, c, o.worker)
	if err != nil {
		if api.Refused(err) {
			return append(checks, refusedCheck("Workers", err)), nil
		}
		return nil, err
	}
	tags := make([]string, len(workers))
	for i, w := range workers {
		tags[i] = w.Tag
	}
	latest, err := c.LatestBuilds(ctx, tags)
	if err != nil {
		if api.Refused(err) {
			return append(checks, refusedCheck("Builds API", err)), nil
		}
		return nil, err
	}
	checks = append(checks, model.Check{Name: "Builds API", Status: model.CheckOK, Message: fmt.Sprintf("answers: %d of %d Workers built by Workers Builds", len(latest), len(workers))})
	tokens, err := c.BuildTokens(ctx)
	if err != nil {
		checks = append(checks, model.Check{Name: "build tokens", Status: model.CheckWarn, Message: "cannot read the account's build tokens: " + model.SanitizeInline(err.Error())})
		tokens = nil
	}
	if limits, err := c.AccountLimits(ctx); err == nil {
		checks = append(checks, model.CheckLimits(limits))
	} else {
		checks = append(checks, model.Check{Name: "build minutes", Status: model.CheckWarn, Message: "cannot read the account's limits: " + model.SanitizeInline(err.Error())})
	}
	checks = append(checks, checkWorkers(ctx, c, workers, latest, tokens)...)
	if wr, ok, err := findWrangler(o.dir); err != nil {
		checks = append(checks, model.Check{Name: "wrangler", Status: model.CheckWarn, Message: model.SanitizeInline(err.Error())})
	} else if ok {
		checks = append(checks, model.CheckWrangler(wr, e.cfg.AccountID, workers)...)
	}
	return checks, nil
}

// checkWorkers checks each Worker built by Workers Builds: its triggers
// (read when there are few Workers, else as its latest build embeds them),
// and its recent builds when the latest of main failed (read when there are
// few Workers, else that latest failure is named). Large accounts then cost
// a call per 20 Workers and a few more.
func checkWorkers(ctx context.Context, c *api.Client, workers []model.Worker, latest map[string]model.Build, tokens []model.BuildToken) []model.Check {
	var built []model.Worker
	for _, w := range workers {
		if _, ok := latest[w.Tag]; ok {
			built = append(built, w)
		}
	}
	results := make([][]model.Check, len(built))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, w := range built {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = checkWorker(ctx, c, w, latest[w.Tag], tokens, len(built) <= readTriggersUpTo)
		})
	}
	wg.Wait()
	var out []model.Check
	for _, r := range results {
		out = append(out, r...)
	}
	return out
}

func checkWorker(ctx context.Context, c *api.Client, w model.Worker, b model.Build, tokens []model.BuildToken, readTriggers bool) []model.Check {
	trs := []model.Trigger{b.Trigger}
	trs[0].BuildTokenUUID = b.Meta.BuildTokenUUID // the token its latest build deployed with
	if readTriggers {
		got, err := c.Triggers(ctx, w)
		if err != nil {
			return []model.Check{{Worker: model.SanitizeInline(w.Name), Name: "triggers", Status: model.CheckWarn, Message: "cannot read the triggers: " + model.SanitizeInline(err.Error())}}
		}
		trs = got
	}
	checks := model.CheckTriggers(w, trs, tokens, readTriggers)
	if b.Meta.Branch != model.ProductionBranch || !b.Finished() || b.Outcome.OK() {
		return checks
	}
	if !readTriggers {
		// A large account: a history per failing Worker would cost more
		// than the whole check; the latest build says enough to look.
		return append(checks, model.Check{Worker: model.SanitizeInline(w.Name), Name: "recent builds", Status: model.CheckWarn,
			Message: "the latest build of " + model.ProductionBranch + " failed (" + b.UUID + ")", Fix: "read why: cfbuilds logs --failed " + b.UUID})
	}
	if history, err := c.WorkerHistory(ctx, w, 20); err == nil {
		checks = append(checks, model.CheckHistory(w, history, 3)...)
	}
	return checks
}

// refusedCheck is a check the token's refusal ended: what Cloudflare said,
// with its hint (an account-scoped token, a missing permission).
func refusedCheck(name string, err error) model.Check {
	return model.Check{Name: name, Status: model.CheckFail, Message: model.SanitizeInline(err.Error()),
		Fix: "use a user API token with Workers CI Read and Workers Scripts Read", Page: model.PageAPITokens}
}

// printChecks writes the checklist: one line a check, ✓ / ! / ✗, and each
// problem's fix under it.
func printChecks(out io.Writer, checks []model.Check) {
	mark := map[model.CheckStatus]string{model.CheckOK: "✓", model.CheckWarn: "!", model.CheckFail: "✗"}
	problems := 0
	for _, c := range checks {
		who := c.Name
		if c.Worker != "" {
			who = c.Worker + ": " + c.Name
		}
		fmt.Fprintf(out, "%s %s: %s\n", mark[c.Status], who, c.Message)
		if c.Status != model.CheckOK {
			problems++
			fix := c.Fix
			if c.Page != "" {
				fix += " (" + c.Page + ")"
			}
			if fix != "" {
				fmt.Fprintf(out, "    fix: %s\n", fix)
			}
		}
	}
	if problems == 0 {
		fmt.Fprintln(out, "All checks pass.")
	} else {
		fmt.Fprintf(out, "%d to look at.\n", problems)
	}
}

// findWrangler reads the wrangler configuration in dir (or the current
// directory, when it holds one): wrangler.toml, wrangler.json or
// wrangler.jsonc. ok is false when there is none to read.
func findWrangler(dir string) (model.Wrangler, bool, error) {
	explicit := dir != ""
	if !explicit {
		dir = "."
	}
	for _, name := range []string{"wrangler.toml", "wrangler.json", "wrangler.jsonc"} {
		path := filepath.Join(dir, name)
		raw, err := files.ReadRegular(path, 1<<20)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return model.Wrangler{}, false, fmt.Errorf("read %s: %v", path, files.Unwrap(err))
		}
		var cfg struct {
			Name      string `toml:"name" json:"name"`
			AccountID string `toml:"account_id" json:"account_id"`
		}
		if name == "wrangler.toml" {
			_, err = toml.Decode(string(raw), &cfg)
		} else {
			err = json.Unmarshal(stripJSONC(raw), &cfg)
		}
		if err != nil {
			return model.Wrangler{}, false, fmt.Errorf("read %s: %v", path, err)
		}
		return model.Wrangler{File: path, Name: cfg.Name, AccountID: cfg.AccountID}, true, nil
	}
	if explicit {
		return model.Wrangler{}, false, fmt.Errorf("no wrangler.toml, wrangler.json or wrangler.jsonc in %s", dir)
	}
	return model.Wrangler{}, false, nil
}

var jsoncNoise = regexp.MustCompile(`(?s)"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/|,(\s*[}\]])`)

// stripJSONC turns JSON with comments and trailing commas (wrangler.jsonc)
// into JSON, leaving strings alone.
func stripJSONC(raw []byte) []byte {
	return jsoncNoise.ReplaceAllFunc(raw, func(m []byte) []byte {
		switch {
		case m[0] == '"':
			return m
		case m[0] == ',':
			return []byte(strings.TrimLeft(string(m), ","))
		}
		return nil
	})
}
