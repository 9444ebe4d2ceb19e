package cli

import (
	"context"
	"flag"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	// Before bubbletea's init: no 5-s question to the terminal at start.
	_ "github.com/cfbuilds/cfbuilds/internal/quietstart"
	"github.com/cfbuilds/cfbuilds/tui"
)

func dashboardCommand() command {
	return command{name: "", args: "[--demo] [--read-only] [--commit SHA|HEAD]", summary: "the dashboard (--demo: a simulated account, no network)",
		example: "cfbuilds --demo\ncfbuilds --profile work --read-only",
		opts:    func() options { return &dashboardOptions{} }}
}

// dashboardOptions: the global flags, and a commit to narrow the list to.
type dashboardOptions struct{ commit string }

func (o *dashboardOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.commit, "commit", "", "show only the builds of this commit `SHA` (HEAD: the checkout's), every Worker's")
}

func (o *dashboardOptions) validate(args []string) error { return wantArgs("", args, 0, "") }

func (o *dashboardOptions) run(ctx context.Context, e *env) error {
	if !isTerminal(e.stdout) {
		return usagef("the dashboard draws on a terminal and stdout is not one (redirected to a file or a pipe?); run it in a terminal, or use cfbuilds list, logs or watch for output to keep")
	}
	cfg, g := e.cfg, e.global
	if o.commit == "HEAD" {
		sha, err := git(e.dir, "rev-parse", "HEAD")
		if err != nil {
			return usagef("--commit HEAD needs a git checkout here: %v", err)
		}
		o.commit = sha
	}
	opts := dashboardFor(e)
	opts.Events = eventFeed(e.startEvents(ctx))
	rec, stats, closeHistory := e.historyFor(ctx)
	defer closeHistory()
	opts.Recorder, opts.Stats = rec, stats
	opts.Commit = o.commit
	opts.AltScreen = !g.noAltScreen
	opts.Terminal = tui.DetectTerminal(e.getenv, cfg.Hyperlinks)
	opts.Renderer, opts.TypedAhead = renderer(ctx, e)
	return tui.Run(ctx, opts)
}

// renderer is the dashboard's lipgloss renderer with its background known
// before the program starts: the theme's when it names one, dark under
// NO_COLOR, else the terminal's answer to one brief question
// (tui.DetectBackground), never lipgloss's own two waits of 5 s. It
// returns the keys typed while it asked.
func renderer(ctx context.Context, e *env) (*lipgloss.Renderer, []tea.KeyMsg) {
	out, _ := e.stdout.(*os.File)
	if out == nil {
		return nil, nil
	}
	r := lipgloss.NewRenderer(out)
	in, _ := e.stdin.(*os.File)
	dark, typed := true, []tea.KeyMsg(nil)
	switch theme := e.cfg.Theme; {
	case theme == "light":
		dark = false
	case theme != "auto" && theme != "", e.getenv("NO_COLOR") != "", in == nil:
	default:
		bg := tui.DetectBackground(ctx, in, out, e.getenv("TERM"), tui.BackgroundWait)
		dark, typed = bg.Dark, bg.Typed
	}
	r.SetHasDarkBackground(dark)
	// The default renderer too (bubbles' own styles draw with it): told,
	// never left to ask the terminal (internal/quietstart).
	lipgloss.SetHasDarkBackground(dark)
	return r, typed
}

// dashboardFor is the dashboard's options from the configuration: what a
// local run and every session of cfbuilds serve have in common.
func dashboardFor(e *env) tui.Options {
	cfg := e.cfg
	return tui.Options{
		Source:       e.client,
		Account:      e.account,
		AccountID:    cfg.AccountID,
		ReadOnly:     e.global.readOnly,
		ReadOnlyWhy:  "started with --read-only; run cfbuilds without it to act",
		PollActive:   cfg.PollActive,
		PollIdle:     cfg.PollIdle,
		PollLog:      cfg.PollLog,
		OnlyWorkers:  cfg.Workers,
		SaveDir:      cfg.SaveDir,
		ASCII:        cfg.Glyphs == "ascii",
		Theme:        cfg.Theme,
		AbsoluteTime: cfg.TimeMode == "absolute",
		UTC:          cfg.Timezone == "utc",
		Keys:         cfg.Keys,
		Notify:       cfg.Notify,
		NotifyBy:     cfg.NotifyBy,
	}
}
