// Package cli is cfbuilds' command line: the dashboard and every subcommand.
//
// cli.go owns dispatch (a table of commands), the global flags, the wiring
// every command shares and the exit codes; config.go the configuration;
// every other file one subcommand (list.go, logs.go, ...): its options,
// flags, help and run.
package cli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
)

// command is one subcommand: how it is called, what it says in --help, and
// a fresh set of its options.
type command struct {
	name    string // "" is the dashboard
	args    string // the usage after the name: flags and arguments
	summary string
	example string
	// standalone commands need no configuration and take no global flags.
	standalone bool
	// offline commands read the configuration but need no API client.
	offline bool
	opts    func() options
}

// options is a command's own flags and work.
type options interface {
	// flags registers the command's own flags.
	flags(fs *flag.FlagSet)
	// validate checks the positional arguments and the flag values.
	validate(args []string) error
	// run does the work.
	run(ctx context.Context, e *env) error
}

// env is what a command runs with.
type env struct {
	version        string
	dir            string // the working directory for git
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	global         globalFlags
	cfg            *Config
	client         *api.Client
	account        string // how the status bar names the account
}

// commands is the dispatch table, in the order --help lists them.
func commands() []command {
	return []command{
		dashboardCommand(), listCommand(), logsCommand(), watchCommand(), cancelCommand(),
		rebuildCommand(), buildCommand(), diffCommand(), doctorCommand(), liveCommand(), statsCommand(), eventsCommand(), mcpCommand(), versionCommand(), configCommand(), serveCommand(), simCommand(),
		completionCommand(), completeCommand(),
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usage is the general help: every command's line, the global flags.
func usage() string {
	var b strings.Builder
	b.WriteString("cfbuilds: watch Cloudflare Workers Builds live from a terminal.\n\nUsage:\n")
	for _, c := range commands() {
		if strings.HasPrefix(c.name, "__") {
			continue // for completion scripts, not for people
		}
		line := strings.Join(strings.Fields("cfbuilds "+c.name+" "+c.args), " ")
		if len(line) > 40 {
			fmt.Fprintf(&b, "  %s\n  %-40s %s\n", line, "", c.summary)
		} else {
			fmt.Fprintf(&b, "  %-40s %s\n", line, c.summary)
		}
	}
	b.WriteString(globalUsage)
	b.WriteString(`
Each command has its own help: cfbuilds list --help.

Credentials: CLOUDFLARE_API_TOKEN, a user API token with Workers CI Read (Edit to
cancel) and Workers Scripts Read; or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY.

Exit codes: 0 success; 1 a failure (or watch: the build failed, was cancelled or
terminated; doctor: a problem found); 2 a usage or configuration error; 3 watch
--commit timed out before the builds ended, or doctor could not check; 4 watch
--commit --live: the builds succeeded but not every Worker was live by the timeout;
5 watch --commit: nothing builds the push (no Worker expected, no build of the
commit seen by the timeout), never a pass.
`)
	return b.String()
}

const globalUsage = `
Global flags (before or after the command):
  --config PATH      configuration file (default $XDG_CONFIG_HOME/cfbuilds/config.toml)
  --profile NAME     an [accounts.NAME] of the configuration file
  --account ID       Cloudflare account id (else CLOUDFLARE_ACCOUNT_ID)
  --api-url URL      API base URL (else CLOUDFLARE_API_BASE_URL; default ` + api.DefaultBaseURL + `)
  --insecure-http    allow a plain-HTTP base URL on another machine
  --events-queue Q   read build events from queue Q, by name or id (else CFBUILDS_EVENTS_QUEUE,
                     [events] queue); see cfbuilds events
  --no-history       keep no local history of builds ($XDG_STATE_HOME/cfbuilds/history.db)
  --demo             use a simulated account in this process (works with every command)
  --read-only        the dashboard never cancels
  --debug FILE       append a log of every request (never the token) to FILE
  --no-alt-screen    draw the dashboard in the normal screen
  --version, --help
`

// commandUsage is one command's help: its line, its own flags with their
// defaults, and an example.
func commandUsage(c command) string {
	var b strings.Builder
	name := strings.TrimSpace("cfbuilds " + c.name)
	fmt.Fprintf(&b, "%s: %s\n\nUsage:\n  %s\n", name, c.summary, strings.Join(strings.Fields(name+" "+c.args), " "))
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.opts().flags(fs)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		if n == 0 {
			b.WriteString("\nFlags:\n")
		}
		n++
		arg, desc := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if arg != "" {
			left += " " + strings.ToUpper(arg)
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			desc += " (default " + f.DefValue + ")"
		}
		if len(left) > 22 {
			fmt.Fprintf(&b, "  %s\n  %-22s %s\n", left, "", desc) // a long flag: its text on the next line, in the column
		} else {
			fmt.Fprintf(&b, "  %-22s %s\n", left, desc)
		}
	})
	if !c.standalone {
		b.WriteString("\nGlobal flags (--config, --profile, --account, --api-url, --demo, --debug, ...): see cfbuilds --help\n")
	}
	if c.example != "" {
		fmt.Fprintf(&b, "\nExample:\n  %s\n", strings.ReplaceAll(c.example, "\n", "\n  "))
	}
	return b.String()
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
	fs.StringVar(&g.eventsQueue, "events-queue", g.eventsQueue, "")
	fs.BoolVar(&g.noHistory, "no-history", g.noHistory, "")
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

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	return fs
}

// Env is what the program runs with: main passes the process's own.
type Env struct {
	Version        string // the build's version, for --version and the User-Agent
	Args           []string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Dir            string // where git looks for the checkout ("": the process's directory)
}

// Run is the whole program; it returns the exit code.
func Run(ctx context.Context, pe Env) int {
	stdout, stderr := pe.Stdout, pe.Stderr
	err := dispatch(ctx, pe.Args, &env{version: pe.Version, dir: pe.Dir, stdin: pe.Stdin, stdout: stdout, stderr: stderr, getenv: pe.Getenv})
	var ue usageError
	var ec exitCode
	var he helpRequest
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return int(ec)
	case errors.As(err, &he):
		fmt.Fprint(stdout, he.text)
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

// describeBuild is what --version says: the version set at build time
// (-ldflags), else the module's version as go install recorded it, with
// the commit it was built from and whether it had local changes, and the
// Go that built it.
func describeBuild(set string, info func() (*debug.BuildInfo, bool)) string {
	bi, ok := info()
	if !ok {
		return set
	}
	v := set
	if v == "" || v == "dev" {
		v = bi.Main.Version // v1.2.3 from go install …@v1.2.3; (devel) from a checkout
		if v == "" {
			v = "(devel)"
		}
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var parts []string
	if rev != "" {
		parts = append(parts, "commit "+rev[:min(12, len(rev))])
	}
	if at != "" {
		parts = append(parts, at)
	}
	if modified {
		parts = append(parts, "with local changes")
	}
	parts = append(parts, bi.GoVersion)
	return v + " (" + strings.Join(parts, ", ") + ")"
}

// exitCode ends the program with a code and no message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// helpRequest ends the program printing text to stdout, exit 0.
type helpRequest struct{ text string }

func (h helpRequest) Error() string { return "help" }

// dispatch finds the command, parses its flags (and the global ones), loads
// the configuration and the client it needs, and runs it.
func dispatch(ctx context.Context, args []string, e *env) error {
	cmd, opts, err := e.parse(args)
	if err != nil || opts == nil {
		return err // nil: --version was answered
	}
	return e.execute(ctx, cmd, opts)
}

// parse finds the command and parses its flags (and the global ones) and
// arguments; opts is nil when nothing is left to run.
func (e *env) parse(args []string) (command, options, error) {
	fs := newFlagSet("cfbuilds")
	e.global.register(fs)
	// The dashboard is the command without a name: its own flags come
	// before any name (cfbuilds --commit HEAD).
	dash := &dashboardOptions{}
	dashFlags := newFlagSet("")
	dash.flags(dashFlags)
	dashFlags.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	if err := fs.Parse(args); err != nil {
		return command{}, nil, flagError("", err)
	}
	rest := fs.Args()
	name := ""
	if len(rest) > 0 {
		name, rest = rest[0], rest[1:]
	}
	if e.global.showVersion {
		fmt.Fprintf(e.stdout, "cfbuilds %s\n", describeBuild(e.version, debug.ReadBuildInfo))
		return command{}, nil, nil
	}
	if name == "help" {
		return command{}, nil, helpRequest{usage()}
	}
	cmd, ok := lookup(name)
	if !ok {
		var names []string
		for _, c := range commands()[1:] {
			names = append(names, c.name)
		}
		return command{}, nil, usagef("unknown command %q (commands: %s; see --help)", name, strings.Join(names, ", "))
	}
	opts := cmd.opts()
	if name == "" {
		opts = dash
	} else if err := dashboardOnly(fs, dashFlags, name); err != nil {
		return command{}, nil, err
	}
	cs := newFlagSet(name)
	if !cmd.standalone {
		e.global.register(cs)
	} else {
		cs.BoolVar(&e.global.help, "help", e.global.help, "")
		cs.BoolVar(&e.global.help, "h", e.global.help, "")
	}
	if name != "" {
		// The dashboard's flags were parsed above, before any name: a
		// second registration would reset them to their defaults.
		opts.flags(cs)
	}
	pos, err := parseInterspersed(cs, rest)
	if err != nil {
		return command{}, nil, flagError(name, err)
	}
	if e.global.help {
		if name == "" {
			return command{}, nil, helpRequest{usage()}
		}
		return command{}, nil, helpRequest{commandUsage(cmd)}
	}
	if err := opts.validate(pos); err != nil {
		return command{}, nil, err
	}
	return cmd, opts, nil
}

// execute runs a parsed command with the configuration and the API client
// it needs.
func (e *env) execute(ctx context.Context, cmd command, opts options) error {
	if cmd.name != "serve" { // a hangup ends a command; serve reloads its keys on it
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, syscall.SIGHUP)
		defer stop()
	}
	if cmd.standalone {
		return opts.run(ctx, e)
	}
	if err := e.configure(ctx); err != nil {
		return err
	}
	if e.cfg.stop != nil {
		defer e.cfg.stop()
	}
	if cmd.offline {
		return opts.run(ctx, e)
	}
	if err := e.cfg.requireCredentials(); err != nil {
		return err
	}
	client, closeDebug, err := newClient(e.cfg, e.global.debug, e.version)
	if err != nil {
		return err
	}
	if cmd.name != "" && cmd.name != "mcp" { // the dashboard says it in its status bar; mcp's stderr is the agent's log
		client.Scheduler().OnWait(waitNotices(e.stderr))
		client.OnSlowAnswer(slowAnswerAfter, slowNotice(e.stderr))
	}
	defer closeDebug()
	defer client.Close()
	e.client = client
	return opts.run(ctx, e)
}

// dashboardOnly refuses a dashboard flag given before another command's name.
func dashboardOnly(fs, dashFlags *flag.FlagSet, name string) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if dashFlags.Lookup(f.Name) != nil && err == nil {
			err = usagef("--%s is the dashboard's flag; %s does not take it (see cfbuilds %s --help)", f.Name, name, name)
		}
	})
	return err
}

// configure loads the configuration, or the demo's simulated account.
func (e *env) configure(ctx context.Context) error {
	var err error
	if e.global.demo {
		e.cfg, err = demoConfig(ctx, e.global, e.getenv, e.stderr)
		e.account = "demo (simulated account)"
	} else {
		e.cfg, err = loadConfig(ctx, e.global.flagValues, e.getenv)
	}
	if err != nil {
		return err
	}
	if e.account == "" {
		e.account = e.cfg.AccountID
	}
	for _, w := range e.cfg.Warnings {
		fmt.Fprintln(e.stderr, w)
	}
	return nil
}

// flagError turns a flag package error into a usage error that says which
// command does take a flag given to the wrong one.
func flagError(cmd string, err error) error {
	const undefined = "flag provided but not defined: -"
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, undefined); ok && cmd != "" {
		for _, c := range commands() {
			fs := newFlagSet(c.name)
			c.opts().flags(fs)
			if c.name != cmd && fs.Lookup(name) != nil {
				return usagef("%s does not take --%s (see cfbuilds %s --help)", cmd, name, cmd)
			}
		}
	}
	see := "cfbuilds --help"
	if cmd != "" {
		see = "cfbuilds " + cmd + " --help"
	}
	return usagef("%v (see %s)", err, see)
}

// wantArgs checks the number of positional arguments.
func wantArgs(cmd string, args []string, n int, what string) error {
	if len(args) == n {
		return nil
	}
	if n == 0 {
		return usagef("%s takes no arguments, got %q", orWord(cmd, "the dashboard"), strings.Join(args, " "))
	}
	return usagef("%s needs %s (see cfbuilds %s --help)", cmd, what, cmd)
}

// buildUUIDArg checks a BUILD_UUID argument: it becomes a path segment, so
// an empty one, or one with a slash or "..", is a usage error, not a call.
func buildUUIDArg(cmd, arg string) error {
	ok := arg != "" && len(arg) <= 64
	for _, r := range arg {
		ok = ok && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-')
	}
	if !ok {
		return usagef("%s: %q is not a build uuid (such as 5c1f0e2a-6b7d-4e8f-9a0b-1c2d3e4f5a6b; cfbuilds list shows them)", cmd, model.SanitizeInline(arg))
	}
	return nil
}

func exitCodeOrNil(code int) error {
	if code == 0 {
		return nil
	}
	return exitCode(code)
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

// writeJSON prints v as indented JSON, with <, > and & left readable and
// every control character escaped: encoding/json leaves DEL and the C1
// controls (an 8-bit CSI is U+009B) raw, and a terminal may act on them.
func writeJSON(out io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	var b strings.Builder
	for _, r := range buf.String() {
		if r == 0x7f || r >= 0x80 && r <= 0x9f {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// waitNotices tells the person at the command line, once each, that a
// request waits more than a second: at Cloudflare's 429 gate, or for the
// process's share of the budget.
func waitNotices(stderr io.Writer) func(model.Budget) {
	var gate, budget sync.Once
	return func(b model.Budget) {
		if !b.GatedUntil.IsZero() {
			gate.Do(func() {
				fmt.Fprintf(stderr, "cfbuilds: rate limited by Cloudflare (HTTP 429): waiting %s before the next request\n",
					model.FormatDuration(time.Until(b.GatedUntil).Round(time.Second)))
			})
			return
		}
		budget.Do(func() {
			fmt.Fprintf(stderr, "cfbuilds: waiting for the request budget: %d of the %d requests per 5 minutes cfbuilds allows itself are spent (poll.budget_share)\n",
				b.Spent, b.Limit)
		})
	}
}

// slowAnswerAfter is how long a request waits for its answer before the
// command says it is waiting on Cloudflare.
const slowAnswerAfter = 5 * time.Second

// slowNotice tells the person at the command line that an answer is slow
// in coming, once per try.
func slowNotice(stderr io.Writer) func(method, path string, try, tries int) {
	var mu sync.Mutex
	return func(method, path string, try, tries int) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stderr, "cfbuilds: waiting on Cloudflare: no answer yet to %s %s after %s (try %d of %d)\n",
			method, model.SanitizeInline(path), slowAnswerAfter, try, tries)
	}
}

// newClient builds the API client from the configuration.
func newClient(cfg *Config, debugPath, version string) (*api.Client, func(), error) {
	opts := []api.Option{
		api.WithBaseURL(cfg.BaseURL),
		api.WithVersion(version),
		api.WithScheduler(api.NewScheduler(max(int(api.CloudflareBudget*cfg.BudgetShare), 1))),
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
// configuration that points any command at it; cfg.stop stops it.
func demoConfig(ctx context.Context, g globalFlags, getenv func(string) string, stderr io.Writer) (*Config, error) {
	// Two months of history, with slow days, queue backlogs and a flaky
	// Worker, so the stats view has something to show.
	s := sim.New(sim.Options{Seed: uint64(time.Now().UnixNano()), History: 60, HistoryDays: 60})
	// The demo's account has build events set up, so a newcomer sees the
	// news come from them (the status bar says so).
	s.SetupEvents(sim.DefaultQueue)
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the simulated account: %w", err)
	}
	// Only the file's settings (theme, keys...): no credentials from the
	// environment can reach the demo.
	fileOnly := func(k string) string {
		if k == "XDG_CONFIG_HOME" || k == "HOME" {
			return getenv(k)
		}
		return ""
	}
	cfg, err := loadConfig(ctx, flagValues{configPath: g.configPath}, fileOnly)
	if err != nil {
		// The demo needs no configuration: a broken file only costs its settings.
		fmt.Fprintf(stderr, "cfbuilds: ignoring configuration for the demo: %v\n", err)
		cfg, _ = loadConfig(ctx, flagValues{}, func(string) string { return "" }) // the defaults alone
	}
	cfg.AccountID, cfg.Token, cfg.BaseURL = s.AccountID(), s.Token(), sv.URL
	cfg.Sources["account_id"], cfg.Sources["token"], cfg.Sources["base_url"] = "demo", "demo", "demo"
	cfg.EventsQueue, cfg.Sources["events.queue"] = cmp.Or(g.eventsQueue, sim.DefaultQueue), "demo"
	// The simulated account has no shared budget to spare: look for new
	// builds often, so a newcomer sees them arrive.
	cfg.PollIdle = min(cfg.PollIdle, 5*time.Second)
	cfg.stop = func() { _ = sv.Close() }
	return cfg, nil
}
