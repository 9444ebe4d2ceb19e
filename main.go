// Command cfbuilds watches Cloudflare Workers Builds live from a terminal: a
// full-screen dashboard of every Worker's builds with the selected build's
// detail and log, plus commands to list, tail, watch and cancel builds.
//
// main.go owns flags, dispatch and exit codes; config.go the configuration;
// commands.go the non-interactive subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `cfbuilds: watch Cloudflare Workers Builds live from a terminal.

Usage:
  cfbuilds [--demo] [--read-only]          the dashboard (--demo: a simulated account, no network)
  cfbuilds list [--worker NAME] [--json] [--limit N]
                                           recent builds, newest first
  cfbuilds logs BUILD_UUID [--follow] [--timestamps]
                                           a build's log (--follow: until the build stops)
  cfbuilds watch BUILD_UUID                follow until done; exit 0 success or skipped, 1 otherwise
  cfbuilds cancel BUILD_UUID [--yes]       asks on a terminal; refuses without --yes otherwise
  cfbuilds live [--worker NAME] [--json]   per Worker, the deployment serving traffic and the builds behind it
  cfbuilds version VERSION_ID... [--json]  the build that made each Worker version
  cfbuilds config                          the configuration in effect and where each value came from
  cfbuilds sim [--addr 127.0.0.1:8787]     serve the simulated API for development (sim --help)

Global flags (before or after the command):
  --config PATH      configuration file (default $XDG_CONFIG_HOME/cfbuilds/config.toml)
  --profile NAME     an [accounts.NAME] of the configuration file
  --account ID       Cloudflare account id (else CLOUDFLARE_ACCOUNT_ID)
  --api-url URL      API base URL (else CLOUDFLARE_API_BASE_URL; default ` + api.DefaultBaseURL + `)
  --insecure-http    allow a plain-HTTP base URL on another machine
  --demo             use a simulated account in this process (works with every command)
  --read-only        the dashboard never cancels
  --debug FILE       append a log of every request (never the token) to FILE
  --no-alt-screen    draw the dashboard in the normal screen
  --version, --help

Credentials: CLOUDFLARE_API_TOKEN, a user API token with Workers CI Read (Edit to
cancel) and Workers Scripts Read; or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY.

Exit codes: 0 success; 1 a failure (or watch: the build failed, was cancelled or
terminated); 2 a usage or configuration error.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// globalFlags are accepted by every command.
type globalFlags struct {
	flagValues
	debug       string
	showVersion bool
	help        bool
	demo        bool
	readOnly    bool
	noAltScreen bool
}

func (g *globalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.configPath, "config", g.configPath, "")
	fs.StringVar(&g.profile, "profile", g.profile, "")
	fs.StringVar(&g.account, "account", g.account, "")
	fs.StringVar(&g.apiURL, "api-url", g.apiURL, "")
	fs.BoolVar(&g.insecure, "insecure-http", g.insecure, "")
	fs.StringVar(&g.debug, "debug", g.debug, "")
	fs.BoolVar(&g.showVersion, "version", g.showVersion, "")
	fs.BoolVar(&g.help, "help", g.help, "")
	fs.BoolVar(&g.help, "h", g.help, "")
	fs.BoolVar(&g.demo, "demo", g.demo, "")
	fs.BoolVar(&g.readOnly, "read-only", g.readOnly, "")
	fs.BoolVar(&g.noAltScreen, "no-alt-screen", g.noAltScreen, "")
}

// parseInterspersed parses flags wherever they sit among positional args.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	return fs
}

// run is the whole program; it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	err := dispatch(ctx, args, stdin, stdout, stderr, getenv)
	var ue usageError
	var ec exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return int(ec)
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "cfbuilds: %s\n", ue.msg)
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	}
	fmt.Fprintf(stderr, "cfbuilds: %v\n", err)
	return 1
}

// exitCode ends the program with a code and no message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var g globalFlags
	fs := newFlagSet("cfbuilds", stderr)
	g.register(fs)
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	rest := fs.Args()
	cmd := ""
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	if g.showVersion {
		fmt.Fprintf(stdout, "cfbuilds %s\n", version)
		return nil
	}

	if cmd == "sim" {
		return cmdSim(ctx, rest, stdout, stderr)
	}
	cs := newFlagSet(cmd, stderr)
	g.register(cs)
	var (
		worker     = cs.String("worker", "", "")
		asJSON     = cs.Bool("json", false, "")
		limit      = cs.Int("limit", 20, "")
		follow     = cs.Bool("follow", false, "")
		timestamps = cs.Bool("timestamps", false, "")
		yes        = cs.Bool("yes", false, "")
	)
	pos, err := parseInterspersed(cs, rest)
	if err != nil {
		return flagError(err)
	}
	if g.help {
		return flag.ErrHelp
	}
	only := func(allowed ...string) error {
		var bad []string
		cs.Visit(func(f *flag.Flag) {
			for _, a := range []string{"worker", "json", "limit", "follow", "timestamps", "yes"} {
				if f.Name == a && !slices.Contains(allowed, a) {
					bad = append(bad, "--"+a)
				}
			}
		})
		if len(bad) > 0 {
			return usagef("%s does not take %s (see cfbuilds --help)", orWord(cmd, "the dashboard"), strings.Join(bad, ", "))
		}
		return nil
	}
	wantArgs := func(n int, what string) error {
		if len(pos) != n {
			if n == 0 {
				return usagef("%s takes no arguments, got %q", orWord(cmd, "the dashboard"), strings.Join(pos, " "))
			}
			return usagef("%s needs %s (see cfbuilds --help)", cmd, what)
		}
		return nil
	}

	switch cmd {
	case "", "list", "logs", "watch", "cancel", "config", "live", "version":
	case "help":
		return flag.ErrHelp
	default:
		return usagef("unknown command %q (commands: list, logs, watch, cancel, live, version, config, sim; see --help)", cmd)
	}

	var err2 error
	switch cmd {
	case "":
		err2 = firstErr(only(), wantArgs(0, ""))
	case "list":
		err2 = firstErr(only("worker", "json", "limit"), wantArgs(0, ""))
		if *limit < 1 || *limit > 1000 {
			err2 = firstErr(err2, usagef("--limit must be between 1 and 1000, got %d", *limit))
		}
	case "logs":
		err2 = firstErr(only("follow", "timestamps"), wantArgs(1, "a BUILD_UUID"))
	case "watch":
		err2 = firstErr(only(), wantArgs(1, "a BUILD_UUID"))
	case "cancel":
		err2 = firstErr(only("yes"), wantArgs(1, "a BUILD_UUID"))
	case "config":
		err2 = firstErr(only(), wantArgs(0, ""))
	case "live":
		err2 = firstErr(only("worker", "json"), wantArgs(0, ""))
	case "version":
		err2 = only("json")
		if len(pos) == 0 {
			err2 = firstErr(err2, usagef("version needs one or more VERSION_IDs (see cfbuilds --help)"))
		}
		for _, id := range pos {
			if !isVersionID(id) {
				err2 = firstErr(err2, usagef("%q is not a Worker version id: a version id is a UUID such as 1e2d3c4b-5a69-4788-9a6b-5c4d3e2f1a0b (wrangler versions list shows them)", model.SanitizeInline(id)))
			}
		}
	}
	if err2 != nil {
		return err2
	}

	var cfg *Config
	accountLabel := ""
	if g.demo {
		var stopDemo func()
		cfg, stopDemo, err = demoConfig(g, stderr)
		if err != nil {
			return err
		}
		defer stopDemo()
		accountLabel = "demo (simulated account)"
	} else if cfg, err = loadConfig(g.flagValues, getenv); err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, w)
	}
	if cmd == "config" {
		cfg.print(stdout)
		return nil
	}
	if err := cfg.requireCredentials(); err != nil {
		return err
	}
	client, closeDebug, err := newClient(cfg, g.debug)
	if err != nil {
		return err
	}
	defer closeDebug()
	defer client.Close()

	switch cmd {
	case "list":
		return cmdList(ctx, client, *worker, *limit, *asJSON, stdout, time.Now())
	case "logs":
		colour := isTerminal(stdout) && getenv("NO_COLOR") == ""
		return cmdLogs(ctx, client, pos[0], *follow, logPrinter{out: stdout, colour: colour, timestamps: *timestamps}, stderr)
	case "watch":
		code, err := cmdWatch(ctx, client, pos[0], stdout, stderr)
		if err != nil {
			return err
		}
		return exitCodeOrNil(code)
	case "cancel":
		return cmdCancel(ctx, client, pos[0], *yes, isTerminal(stdin), stdin, stdout)
	case "live":
		return cmdLive(ctx, client, *worker, *asJSON, stdout)
	case "version":
		return cmdVersion(ctx, client, pos, *asJSON, stdout)
	}
	return runDashboard(ctx, client, cfg, g, orWord(accountLabel, cfg.AccountID))
}

func exitCodeOrNil(code int) error {
	if code == 0 {
		return nil
	}
	return exitCode(code)
}

func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usagef("%v (see cfbuilds --help)", err)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

func isTerminal(v any) bool {
	f, ok := v.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// newClient builds the API client from the configuration.
func newClient(cfg *Config, debugPath string) (*api.Client, func(), error) {
	opts := []api.Option{
		api.WithBaseURL(cfg.BaseURL),
		api.WithVersion(version),
		api.WithBudget(api.NewBudget(int(api.CloudflareBudget * cfg.BudgetShare))),
	}
	if cfg.Token == "" {
		opts = append(opts, api.WithAPIKey(cfg.Email, cfg.APIKey))
	}
	closeDebug := func() {}
	if debugPath != "" {
		f, err := os.OpenFile(debugPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, nil, usagef("open debug log: %v", err)
		}
		opts = append(opts, api.WithDebug(f))
		closeDebug = func() { _ = f.Close() }
	}
	c, err := api.New(cfg.AccountID, cfg.Token, opts...)
	if err != nil {
		closeDebug()
		return nil, nil, usageError{err.Error()}
	}
	return c, closeDebug, nil
}

// demoConfig starts a simulated account on loopback and returns the
// configuration that points any command at it, and how to stop it.
func demoConfig(g globalFlags, stderr io.Writer) (*Config, func(), error) {
	s := sim.New(sim.Options{Seed: uint64(time.Now().UnixNano())})
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("start the simulated account: %w", err)
	}
	cfg, err := loadConfig(flagValues{configPath: g.configPath}, func(string) string { return "" })
	if err != nil {
		// The demo needs no configuration: a broken file only costs its settings.
		fmt.Fprintf(stderr, "cfbuilds: ignoring configuration for the demo: %v\n", err)
		cfg, _ = loadConfig(flagValues{configPath: os.DevNull}, func(string) string { return "" })
	}
	cfg.AccountID, cfg.Token, cfg.BaseURL = s.AccountID(), s.Token(), sv.URL
	cfg.Sources["account_id"], cfg.Sources["token"], cfg.Sources["base_url"] = "demo", "demo", "demo"
	// The simulated account has no shared budget to spare: look for new
	// builds often, so a newcomer sees them arrive.
	cfg.PollIdle = min(cfg.PollIdle, 5*time.Second)
	return cfg, func() { _ = sv.Close() }, nil
}

func runDashboard(ctx context.Context, client *api.Client, cfg *Config, g globalFlags, accountLabel string) error {
	return tui.Run(ctx, tui.Options{
		Source:       client,
		Account:      accountLabel,
		AccountID:    cfg.AccountID,
		ReadOnly:     g.readOnly,
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
		AltScreen:    !g.noAltScreen,
		Notify:       cfg.Notify,
		NotifyBy:     cfg.NotifyBy,
		Terminal:     tui.DetectTerminal(os.Getenv, cfg.Hyperlinks),
	})
}
