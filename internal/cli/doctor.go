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
	fs.Func("dir", "compare the wrangler configuration in this `directory` with the account (default: the current one, when it holds one)", func(v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("--dir wants a directory (leave it out for the current one)")
		}
		o.dir = v
		return nil
	})
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
		if c.Status.Problem() {
			return exitCode(1)
		}
	}
	return nil
}

// tokenCheck verifies the token where its kind is verified: a user API
// token at /user/tokens/verify, an Account API token (refused there with a
// 401) at /accounts/{id}/tokens/verify; the legacy key pair is not
// verified. A verify endpoint that fails otherwise (404, 5xx, a network
// error) leaves the check not done; refused says both refused the token
// (the Builds API's answer then decides).
func tokenCheck(ctx context.Context, e *env) (check model.Check, refused bool) {
	c := e.client
	if e.cfg.Token == "" {
		return model.Check{Name: "API token", Status: model.CheckSkipped, Message: "email and API key (legacy): not verified; the calls below judge them"}, false
	}
	notChecked := func(err error) model.Check {
		return model.Check{Name: "API token", Status: model.CheckSkipped, Message: "not checked: " + model.SanitizeInline(err.Error())}
	}
	tok, err := c.VerifyToken(ctx)
	if err == nil {
		return model.CheckToken(tok.Status, tok.ExpiresOn, time.Now()), false
	}
	if !errors.Is(err, api.ErrUnauthorized) {
		return notChecked(err), false
	}
	tok, aerr := c.VerifyAccountToken(ctx)
	switch {
	case aerr == nil:
		ch := model.CheckToken(tok.Status, tok.ExpiresOn, time.Now())
		if ch.Status == model.CheckOK {
			ch.Message = "an Account API token, accepted and active (the Builds API guide asks for a user token: the calls below tell whether this one works)"
		}
		return ch, false
	case errors.Is(aerr, api.ErrUnauthorized):
		return refusedCheck("API token", err), true
	}
	return notChecked(err), false
}

// check runs every check; an error means they could not run at all.
func (o *doctorOptions) check(ctx context.Context, e *env) ([]model.Check, error) {
	c := e.client
	token, refused := tokenCheck(ctx, e)
	checks := []model.Check{token}
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
	if refused {
		// The verify endpoints refused the token, yet the calls that
		// matter answer it: say so, as a warning, not a failure.
		checks[0] = model.Check{Name: "API token", Status: model.CheckWarn, Message: "the verify endpoints refuse this token, yet the Builds API answers it",
			Fix: "nothing is needed to watch builds; a user API token verifies cleanly", Page: model.PageAPITokens}
	}
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
	var never []string
	for _, w := range workers {
		if _, ok := latest[w.Tag]; ok {
			built = append(built, w)
		} else {
			never = append(never, model.SanitizeInline(w.Name))
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
	if len(never) > 0 {
		// Nothing to check until a first build; said, not passed.
		msg := "never built by Workers Builds: nothing to check until its first build (connect a repository in its build settings)"
		if len(never) > 1 {
			msg = fmt.Sprintf("%d Workers never built by Workers Builds: %s", len(never), strings.Join(never[:min(len(never), 10)], ", "))
			if len(never) > 10 {
				msg += ", …"
			}
		}
		c := model.Check{Name: "builds", Status: model.CheckSkipped, Message: msg}
		if len(never) == 1 {
			c.Worker = never[0]
		}
		out = append(out, c)
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
	prod := model.ProductionBranch(trs)
	if !readTriggers {
		// A large account: a history per Worker would cost more than the
		// whole check; the latest build says enough to look.
		if prod != "" && b.Meta.Branch == prod && b.Finished() && !b.Outcome.OK() {
			checks = append(checks, model.Check{Worker: model.SanitizeInline(w.Name), Name: "recent builds", Status: model.CheckWarn,
				Message: "the latest build of " + model.SanitizeInline(prod) + " failed (" + b.UUID + ")", Fix: "read why: cfbuilds logs --failed " + b.UUID})
		}
		return checks
	}
	// The production branch's last builds, wherever they are in the
	// history (the latest build may be a preview's).
	if history, err := c.WorkerHistory(ctx, w, 50); err == nil && prod != "" {
		checks = append(checks, model.CheckHistory(w, history, prod, 3)...)
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
	mark := map[model.CheckStatus]string{model.CheckOK: "✓", model.CheckWarn: "!", model.CheckFail: "✗", model.CheckSkipped: "-"}
	problems, skipped := 0, 0
	for _, c := range checks {
		who := c.Name
		if c.Worker != "" {
			who = c.Worker + ": " + c.Name
		}
		fmt.Fprintf(out, "%s %s: %s\n", mark[c.Status], who, c.Message)
		if c.Status == model.CheckSkipped {
			skipped++
		}
		if c.Status.Problem() {
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
	switch {
	case problems > 0:
		fmt.Fprintf(out, "%d to look at.\n", problems)
	case skipped > 0:
		fmt.Fprintf(out, "Every check that ran passes; %d not checked.\n", skipped)
	default:
		fmt.Fprintln(out, "All checks pass.")
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
