package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The checks of `cfbuilds doctor`: pure functions over what the API said,
// each problem with the fix in one sentence and the settings page where it
// is made.

// CheckStatus is how a check came out.
type CheckStatus string

const (
	CheckOK      CheckStatus = "ok"
	CheckWarn    CheckStatus = "warn"    // worth a look; builds still work
	CheckFail    CheckStatus = "fail"    // builds fail, or nothing deploys
	CheckSkipped CheckStatus = "skipped" // could not be checked; the others ran
)

// Problem reports whether a check makes doctor's exit 1.
func (s CheckStatus) Problem() bool { return s == CheckWarn || s == CheckFail }

// Check is one line of the checklist.
type Check struct {
	Worker  string      `json:"worker,omitempty"` // "" for the token or the account
	Name    string      `json:"check"`
	Status  CheckStatus `json:"status"`
	Message string      `json:"message"`
	Fix     string      `json:"fix,omitempty"`
	Page    string      `json:"page,omitempty"` // where in Cloudflare's dashboard it is fixed
}

// Where things are set in Cloudflare's dashboard.
const (
	PageBuildSettings = "Workers & Pages › the Worker › Settings › Build"
	PageAPITokens     = "My Profile › API Tokens"
	PageBilling       = "Manage Account › Billing › Subscriptions"
)

// Deploys reports whether a trigger's deploy command makes a deployment
// (wrangler deploy, npm run deploy, ...), not only a version upload.
func Deploys(t Trigger) bool {
	c := t.DeployCommand
	return strings.TrimSpace(c) != "" && !strings.Contains(c, "versions upload") && !strings.Contains(c, "pages deploy")
}

// ProductionTrigger is the trigger of a Worker's production branch: the one
// branch a trigger includes by name, a deploying trigger's first (ok false
// when no trigger names one: filters of patterns only). Never assumed to
// be main: many repositories build master or production.
func ProductionTrigger(trs []Trigger) (t Trigger, branch string, ok bool) {
	named := func(t Trigger) bool { return len(t.BranchIncludes) == 1 && !strings.Contains(t.BranchIncludes[0], "*") }
	for _, deploying := range []bool{true, false} {
		for _, t := range trs {
			if named(t) && (!deploying || Deploys(t)) {
				return t, t.BranchIncludes[0], true
			}
		}
	}
	return Trigger{}, "", false
}

// ProductionBranch is the branch ProductionTrigger names, or "".
func ProductionBranch(trs []Trigger) string {
	_, b, _ := ProductionTrigger(trs)
	return b
}

// CheckTriggers checks a Worker's triggers: the build token each deploys
// with is among the account's (tokens nil: not known), the production
// branch is built and deployed (only when trs are all its triggers: one
// trigger seen in a build cannot say what the others build), no Pages
// deploy command, path filters that can match, build caching, the
// repository connection.
func CheckTriggers(w Worker, trs []Trigger, tokens []BuildToken, all bool) []Check {
	name := SanitizeInline(w.Name)
	var out []Check
	add := func(check string, st CheckStatus, msg, fix string) {
		out = append(out, Check{Worker: name, Name: check, Status: st, Message: msg, Fix: fix, Page: PageBuildSettings})
	}
	if len(trs) == 0 {
		return nil // not built by Workers Builds: nothing to check
	}
	deploys := false
	for _, t := range trs {
		tn := SanitizeInline(t.TriggerName)
		if t.BuildTokenUUID != "" && tokens != nil && !slices.ContainsFunc(tokens, func(b BuildToken) bool { return b.UUID == t.BuildTokenUUID }) {
			add("build token", CheckFail, fmt.Sprintf("build token rolled or deleted (trigger %s): every build will fail", tn),
				"choose a new build token in the Worker's build settings")
		}
		if strings.Contains(t.DeployCommand, "pages deploy") {
			add("deploy command", CheckFail, fmt.Sprintf("trigger %s deploys with %q, a Pages command, on a Worker", tn, SanitizeInline(t.DeployCommand)),
				"use npx wrangler deploy (or versions upload) as the deploy command")
		}
		if Deploys(t) {
			deploys = true
		}
		if slices.ContainsFunc(t.PathExcludes, func(p string) bool { return p == "*" || p == "**" }) {
			add("path filters", CheckFail, fmt.Sprintf("trigger %s excludes every path: every push is skipped", tn),
				"remove \"*\" from the path excludes")
		}
		if !t.BuildCachingEnabled {
			add("build cache", CheckWarn, fmt.Sprintf("build caching is off (trigger %s): every build installs from scratch", tn),
				"turn on build caching in the build settings")
		}
		if t.DeletedOn != nil || t.RepoConnection == nil || t.RepoConnection.RepoName == "" {
			add("repository", CheckFail, fmt.Sprintf("trigger %s has no repository connection: nothing is built", tn),
				"connect the repository again in the build settings")
		}
	}
	prod, branch, named := ProductionTrigger(trs)
	switch {
	case named && !BranchMatches(prod, branch):
		add("production branch", CheckFail, fmt.Sprintf("trigger %s includes %s and excludes it too: pushes to it build and deploy nothing", SanitizeInline(prod.TriggerName), SanitizeInline(branch)),
			fmt.Sprintf("remove %s from the trigger's branch excludes", SanitizeInline(branch)))
	case named && strings.Contains(prod.DeployCommand, "versions upload"):
		add("production deploy", CheckWarn, fmt.Sprintf("trigger %s builds %s but only uploads a version: nothing goes live", SanitizeInline(prod.TriggerName), SanitizeInline(branch)),
			"deploy with npx wrangler deploy on the production branch, or promote versions yourself")
	case all && !named && !deploys && slices.ContainsFunc(trs, func(t Trigger) bool { return strings.Contains(t.DeployCommand, "versions upload") }):
		add("production deploy", CheckWarn, "every trigger only uploads a version: nothing goes live",
			"deploy with npx wrangler deploy on the production branch's trigger, or promote versions yourself")
	}
	if len(out) == 0 {
		out = append(out, Check{Worker: name, Name: "triggers", Status: CheckOK, Message: fmt.Sprintf("%d trigger(s): token, branch, deploy command, paths, cache", len(trs))})
	}
	return out
}

// CheckHistory checks a Worker's recent builds, newest first: the last n
// builds of its production branch all failed. A production branch not
// known ("") checks every branch's last n.
func CheckHistory(w Worker, history []Build, branch string, n int) []Check {
	name := SanitizeInline(w.Name)
	var prod []Build
	for _, b := range history {
		if (branch == "" || b.Meta.Branch == branch) && b.Finished() {
			prod = append(prod, b)
		}
	}
	if len(prod) >= n && !slices.ContainsFunc(prod[:n], func(b Build) bool { return b.Outcome.OK() }) {
		of := "the last %d builds of " + SanitizeInline(branch) + " failed (latest %s)"
		if branch == "" {
			of = "the last %d builds failed (latest %s)"
		}
		return []Check{{Worker: name, Name: "recent builds", Status: CheckFail,
			Message: fmt.Sprintf(of, n, prod[0].UUID),
			Fix:     "read why: cfbuilds logs --failed " + prod[0].UUID}}
	}
	return nil
}

// CheckLimits checks the account's build minutes.
func CheckLimits(l AccountLimits) Check {
	if l.ReachedBuildMinutes {
		msg := "the account's build minutes are used up: builds wait"
		if l.BuildMinutesRefreshOn != nil {
			msg += " until " + l.BuildMinutesRefreshOn.UTC().Format("2006-01-02")
		}
		return Check{Name: "build minutes", Status: CheckFail, Message: msg, Fix: "upgrade the plan or wait for the refresh", Page: PageBilling}
	}
	return Check{Name: "build minutes", Status: CheckOK, Message: "the build-minutes limit is not reached"}
}

// CheckToken checks the API token from a verify endpoint's answer.
func CheckToken(status string, expires *time.Time, now time.Time) Check {
	switch {
	case status != "active":
		return Check{Name: "API token", Status: CheckFail, Message: fmt.Sprintf("the API token is %s", SanitizeInline(orElse(status, "not active"))),
			Fix: "create a new user API token with Workers CI Read", Page: PageAPITokens}
	case expires != nil && expires.Sub(now) < 7*24*time.Hour:
		return Check{Name: "API token", Status: CheckWarn, Message: "the API token expires " + expires.UTC().Format("2006-01-02 15:04 MST"),
			Fix: "roll it or make a new one before then", Page: PageAPITokens}
	}
	return Check{Name: "API token", Status: CheckOK, Message: "accepted and active"}
}

// Wrangler is what a wrangler configuration says that doctor compares.
type Wrangler struct {
	File      string
	Name      string
	AccountID string
}

// CheckWrangler compares a checkout's wrangler configuration with the
// account: a Worker of its name, the same account.
func CheckWrangler(wr Wrangler, accountID string, workers []Worker) []Check {
	var out []Check
	file := SanitizeInline(wr.File)
	if wr.AccountID != "" && !strings.EqualFold(wr.AccountID, accountID) {
		out = append(out, Check{Name: "wrangler account", Status: CheckFail,
			Message: fmt.Sprintf("%s names account %s, not %s", file, SanitizeInline(wr.AccountID), SanitizeInline(accountID)),
			Fix:     "set account_id to the account the Worker is in (or check CLOUDFLARE_ACCOUNT_ID)"})
	}
	if wr.Name != "" && !slices.ContainsFunc(workers, func(w Worker) bool { return w.Name == wr.Name }) {
		out = append(out, Check{Name: "wrangler name", Status: CheckFail,
			Message: fmt.Sprintf("%s names the Worker %q, and the account has no Worker of that name", file, SanitizeInline(wr.Name)),
			Fix:     "make name in the wrangler configuration the Worker's name in Cloudflare", Page: PageBuildSettings})
	}
	if len(out) == 0 {
		out = append(out, Check{Name: "wrangler", Status: CheckOK, Message: fmt.Sprintf("%s: name %q in this account", file, SanitizeInline(wr.Name))})
	}
	return out
}

func orElse(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
