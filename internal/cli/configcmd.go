package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

func configCommand() command {
	return command{name: "config", summary: "the configuration in effect and where each value came from",
		example: "cfbuilds --profile work config", offline: true,
		opts: func() options { return &configOptions{} }}
}

type configOptions struct{}

func (o *configOptions) flags(*flag.FlagSet) {}

func (o *configOptions) validate(args []string) error { return wantArgs("config", args, 0, "") }

func (o *configOptions) run(_ context.Context, e *env) error { return e.cfg.print(e.stdout) }

// print writes every setting, its value (secrets redacted) and its source.
func (c *Config) print(out io.Writer) error {
	var b strings.Builder
	redact := func(s string) string {
		if s == "" {
			return "(not set)"
		}
		return "[redacted]"
	}
	row := func(k, v, src string) {
		if src == "" {
			src = "default"
		}
		fmt.Fprintf(&b, "%-22s %-44s %s\n", k, v, src)
	}
	switch {
	case c.File != "":
		fmt.Fprintf(&b, "config file: %s\n\n", c.File)
	case c.LookedFor != "":
		fmt.Fprintf(&b, "config file: none (looked for %s; config.example.toml shows one)\n\n", c.LookedFor)
	default:
		fmt.Fprintf(&b, "config file: none (neither XDG_CONFIG_HOME nor HOME is set; --config PATH names one)\n\n")
	}
	row("profile", orDash(c.Profile), c.Sources["profile"])
	row("account_id", orDash(c.AccountID), c.Sources["account_id"])
	row("token", redact(c.Token), c.Sources["token"])
	row("email", orDash(c.Email), c.Sources["email"])
	row("api_key", redact(c.APIKey), c.Sources["api_key"])
	row("base_url", redactURL(c.BaseURL), c.Sources["base_url"])
	row("workers", orDash(strings.Join(c.Workers, ",")), c.Sources["workers"])
	row("poll.active", c.PollActive.String(), c.Sources["poll.active"])
	row("poll.idle", c.PollIdle.String(), c.Sources["poll.idle"])
	row("poll.log", c.PollLog.String(), c.Sources["poll.log"])
	row("poll.budget_share", fmt.Sprint(c.BudgetShare), c.Sources["poll.budget_share"])
	row("ui.theme", c.Theme, c.Sources["ui.theme"])
	row("ui.glyphs", c.Glyphs, c.Sources["ui.glyphs"])
	row("ui.time", c.TimeMode, c.Sources["ui.time"])
	row("ui.timezone", c.Timezone, c.Sources["ui.timezone"])
	row("ui.save_dir", c.SaveDir, c.Sources["ui.save_dir"])
	row("ui.hyperlinks", c.Hyperlinks, c.Sources["ui.hyperlinks"])
	row("notify.builds", c.Notify, c.Sources["notify.builds"])
	row("events.queue", orDash(c.EventsQueue), c.Sources["events.queue"])
	row("events.pull", c.EventsPull.String(), c.Sources["events.pull"])
	row("events.subscribe_new", fmt.Sprint(c.EventsSubscribeNew), c.Sources["events.subscribe_new"])
	row("history.enabled", fmt.Sprint(c.History), c.Sources["history.enabled"])
	row("history.keep", fmt.Sprintf("%dd", int(c.HistoryKeep.Hours()/24)), c.Sources["history.keep"])
	row("stats.included_minutes", fmt.Sprint(c.IncludedMins), c.Sources["stats.included_minutes"])
	for _, k := range sortedKeys(c.NotifyBy) {
		name := "notify." + k
		if k == "*" {
			name = "notify.(others)"
		}
		row(name, strings.Join(c.NotifyBy[k], ","), c.Sources["notify.channels"])
	}
	for _, k := range sortedKeys(c.Keys) {
		row("keys."+k, strings.Join(c.Keys[k], ","), "file")
	}
	_, err := io.WriteString(out, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
