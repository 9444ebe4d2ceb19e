package cli

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/internal/files"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui"
)

// usageError is a mistake in how cfbuilds was called or configured: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// fileConfig is the TOML file. Every key is documented in config.example.toml.
type fileConfig struct {
	DefaultProfile string                   `toml:"default_profile"`
	Accounts       map[string]accountConfig `toml:"accounts"`
	Poll           pollConfig               `toml:"poll"`
	UI             uiConfig                 `toml:"ui"`
	Notify         notifyConfig             `toml:"notify"`
	Keys           map[string][]string      `toml:"keys"`
	Events         eventsConfig             `toml:"events"`
	History        historyConfig            `toml:"history"`
	Stats          statsConfig              `toml:"stats"`
}

// historyConfig is the local history of builds.
type historyConfig struct {
	Enabled *bool     `toml:"enabled"`
	Keep    *duration `toml:"keep"`
}

// statsConfig is what stats compare with.
type statsConfig struct {
	IncludedMinutes *float64 `toml:"included_minutes"`
}

// eventsConfig is the queue of build events to read.
type eventsConfig struct {
	Queue        string    `toml:"queue"`
	Pull         *duration `toml:"pull"`
	SubscribeNew *bool     `toml:"subscribe_new"`
}

// notifyConfig: which finished builds notify, and how, per outcome.
type notifyConfig struct {
	Builds     string    `toml:"builds"`
	Success    *[]string `toml:"success"`
	Fail       *[]string `toml:"fail"`
	Cancelled  *[]string `toml:"cancelled"`
	Terminated *[]string `toml:"terminated"`
	Skipped    *[]string `toml:"skipped"`
}

type accountConfig struct {
	AccountID     string   `toml:"account_id"`
	Token         string   `toml:"token"`
	TokenCommand  string   `toml:"token_command"`
	Email         string   `toml:"email"`
	APIURL        string   `toml:"api_url"`
	AllowInsecure bool     `toml:"allow_insecure_http"`
	Workers       []string `toml:"workers"`
}

// pollConfig's fields are pointers: a key set to 0 in the file is an
// error to say, not the same as a key left out.
type pollConfig struct {
	Active      *duration `toml:"active"`
	Idle        *duration `toml:"idle"`
	Log         *duration `toml:"log"`
	BudgetShare *float64  `toml:"budget_share"`
}

type uiConfig struct {
	Theme      string `toml:"theme"`
	Glyphs     string `toml:"glyphs"`
	Time       string `toml:"time"`
	Timezone   string `toml:"timezone"`
	SaveDir    string `toml:"save_dir"`
	Hyperlinks string `toml:"hyperlinks"`
}

// duration reads "2s", "1m30s" from TOML.
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration like \"2s\", \"1m\" or \"30d\", got %q", b)
	}
	if v <= 0 {
		return fmt.Errorf("want a positive duration, got %q", b)
	}
	d.Duration = v
	return nil
}

// Config is the configuration in effect, with where each value came from.
type Config struct {
	AccountID     string
	Token         string
	Email, APIKey string
	BaseURL       string
	AllowInsecure bool
	Profile       string
	Workers       []string
	PollActive    time.Duration
	PollIdle      time.Duration
	PollLog       time.Duration
	BudgetShare   float64
	Theme         string
	Glyphs        string
	TimeMode      string
	Timezone      string
	SaveDir       string
	Hyperlinks    string
	Notify        string
	NotifyBy      map[string][]string
	Keys          map[string][]string
	History       bool          // keep the local history of builds
	HistoryKeep   time.Duration // how long builds are kept in it
	HistoryPath   string        // where it is ("" none known: no history)
	IncludedMins  float64       // the plan's included build minutes a month
	EventsQueue   string        // the queue of build events to read, by name or id ("" none)
	EventsPull    time.Duration // how often to pull it
	// EventsSubscribeNew: serve subscribes Workers that send their events
	// nowhere (made since setup) to the queue, when the token may.
	EventsSubscribeNew bool
	File               string // the file read, or ""
	LookedFor          string // the default path looked for when no file was read ("" none known)

	stop func() // stops the demo's simulated account (nil otherwise)

	Sources  map[string]string // field → flag | environment | file | default
	Warnings []string
}

// flagValues are the global flags that feed configuration ("" when unset).
type flagValues struct {
	configPath, profile, account, apiURL, eventsQueue string
	insecure, noHistory                               bool
}

// defaultConfigPath is $XDG_CONFIG_HOME/cfbuilds/config.toml (~/.config when unset).
func defaultConfigPath(getenv func(string) string) string {
	return xdgPath(getenv, "XDG_CONFIG_HOME", ".config", "config.toml")
}

// xdgPath is $env/cfbuilds/file, with $HOME/fallback for an unset env, or
// "" when neither is set.
func xdgPath(getenv func(string) string, env, fallback, file string) string {
	dir := getenv(env)
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, fallback)
	}
	return filepath.Join(dir, "cfbuilds", file)
}

// parseDuration is time.ParseDuration that also takes days: "30d", "400d".
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(strings.TrimSpace(s), "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || !(n >= 0 && n <= 100*365) { // NaN and Inf too
			return 0, fmt.Errorf("not a number of days: %q", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(s)
}

// loadConfig merges the sources in rising precedence (defaults, the file,
// the environment, the flags), each setting what it has and saying so in
// Sources, then validates the result.
func loadConfig(ctx context.Context, fl flagValues, getenv func(string) string) (*Config, error) {
	c := defaultConfig()
	fc, path, err := readConfigFile(fl, getenv)
	if err != nil {
		return nil, err
	}
	if path == "" {
		c.LookedFor = defaultConfigPath(getenv)
	}
	acct, err := c.applyFile(fc, path, fl.profile)
	if err != nil {
		return nil, err
	}
	c.applyEnv(getenv)
	c.applyFlags(fl)
	// A token_command runs only when no source gave a token.
	if c.Token == "" && c.APIKey == "" && acct.TokenCommand != "" {
		tok, warning, err := runTokenCommand(ctx, acct.TokenCommand)
		if err != nil {
			return nil, usagef("token_command of profile %q in %s: %v", c.Profile, path, err)
		}
		c.Token, c.Sources["token"] = tok, "file (token_command)"
		if warning != "" {
			c.Warnings = append(c.Warnings, warning)
		}
	}
	if c.Sources["token"] == "file" {
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("warning: %s holds a token and others can read it (mode %o); run chmod 600 %s, or use token_command", path, st.Mode().Perm(), path))
		}
	}
	return c, c.validateURL()
}

// defaultConfig is every setting's default.
func defaultConfig() *Config {
	c := &Config{
		BaseURL:      api.DefaultBaseURL,
		PollActive:   3 * time.Second,
		PollIdle:     30 * time.Second,
		PollLog:      2 * time.Second,
		BudgetShare:  api.DefaultShare,
		Theme:        "auto",
		Glyphs:       "unicode",
		TimeMode:     "relative",
		Timezone:     "local",
		SaveDir:      ".",
		Hyperlinks:   "auto",
		Notify:       "selected",
		NotifyBy:     map[string][]string{"*": {"bell", "osc9"}},
		EventsPull:   2 * time.Second,
		History:      true,
		HistoryKeep:  400 * 24 * time.Hour,
		IncludedMins: 3000,
		Sources:      map[string]string{},
	}
	for _, k := range []string{"base_url", "poll.active", "poll.idle", "poll.log", "poll.budget_share", "ui.theme", "ui.glyphs", "ui.time", "ui.timezone", "ui.save_dir", "ui.hyperlinks", "notify.builds", "notify.channels", "events.pull", "events.subscribe_new", "history.enabled", "history.keep", "stats.included_minutes"} {
		c.Sources[k] = "default"
	}
	return c
}

// readConfigFile reads --config, else the default path; a missing default
// file is no error, a missing named one is.
func readConfigFile(fl flagValues, getenv func(string) string) (fileConfig, string, error) {
	path, explicit := fl.configPath, fl.configPath != ""
	if !explicit {
		path = defaultConfigPath(getenv)
	}
	var fc fileConfig
	if path == "" {
		return fc, "", nil
	}
	raw, err := files.ReadRegular(path, maxConfigBytes)
	switch {
	case err == nil:
		fc, err = parseConfigFile(path, raw)
		return fc, path, err
	case explicit || !errors.Is(err, os.ErrNotExist):
		return fc, path, usagef("read config %s: %v", path, files.Unwrap(err))
	}
	return fc, "", nil
}

// maxConfigBytes caps a configuration file: a real one is a few hundred.
const maxConfigBytes = 1 << 20

// applyFile takes the file's settings and its profile (the flag's, else the
// file's default_profile, else its only one), and returns that profile.
func (c *Config) applyFile(fc fileConfig, path, flagProfile string) (accountConfig, error) {
	if path != "" {
		c.File = path
	}
	acct, err := c.applyProfile(fc, path, flagProfile)
	if err != nil {
		return acct, err
	}
	for _, apply := range []func(fileConfig, string) error{c.applyPoll, c.applyUI, c.applyNotify, c.applyEvents, c.applyHistory} {
		if err := apply(fc, path); err != nil {
			return acct, err
		}
	}
	if err := tui.ValidateKeys(fc.Keys); err != nil {
		return acct, usagef("%s: [keys]: %v", path, err)
	}
	if c.Keys = fc.Keys; len(c.Keys) > 0 {
		c.Sources["keys"] = "file"
	}
	return acct, nil
}

// applyProfile picks the profile (the flag's, else the file's
// default_profile, else its only one) and takes its account settings.
func (c *Config) applyProfile(fc fileConfig, path, flagProfile string) (accountConfig, error) {
	profile := cmp.Or(flagProfile, fc.DefaultProfile)
	if profile == "" && len(fc.Accounts) == 1 {
		for name := range fc.Accounts {
			profile = name
		}
	}
	var acct accountConfig
	if profile != "" {
		a, ok := fc.Accounts[profile]
		switch {
		case !ok && path == "":
			return acct, usagef("profile %q needs a configuration file with an [accounts.%s] table, and there is none (see config.example.toml; --config PATH names one)", profile, profile)
		case !ok && len(fc.Accounts) == 0:
			return acct, usagef("profile %q is not in %s: it has no [accounts.NAME] tables (see config.example.toml)", profile, path)
		case !ok:
			return acct, usagef("profile %q is not in %s (it has: %s)", profile, path, strings.Join(sortedKeys(fc.Accounts), ", "))
		}
		acct = a
		c.Profile, c.Sources["profile"] = profile, "file"
		if flagProfile != "" {
			c.Sources["profile"] = "flag"
		}
	}
	c.set("account_id", &c.AccountID, acct.AccountID, "file")
	c.set("base_url", &c.BaseURL, acct.APIURL, "file")
	c.set("email", &c.Email, acct.Email, "file")
	c.set("token", &c.Token, acct.Token, "file")
	c.AllowInsecure = acct.AllowInsecure
	if c.Workers = acct.Workers; len(c.Workers) > 0 {
		c.Sources["workers"] = "file"
	}
	return acct, nil
}

// applyPoll takes the [poll] table.
func (c *Config) applyPoll(fc fileConfig, path string) error {
	for _, d := range []struct {
		field string
		dst   *time.Duration
		val   *duration
	}{{"poll.active", &c.PollActive, fc.Poll.Active}, {"poll.idle", &c.PollIdle, fc.Poll.Idle}, {"poll.log", &c.PollLog, fc.Poll.Log}} {
		if d.val == nil {
			continue
		}
		if d.val.Duration <= 0 {
			return usagef("%s: %s must be a positive duration such as \"3s\", got %q (leave it out for the default, %s)", path, d.field, d.val.Duration, *d.dst)
		}
		*d.dst, c.Sources[d.field] = d.val.Duration, "file"
	}
	if share := fc.Poll.BudgetShare; share != nil {
		if !(*share > 0 && *share <= 1) {
			return usagef("%s: poll.budget_share must be more than 0 and at most 1 (a share of Cloudflare's 1,200 requests per 5 minutes; leave it out for the default, %v), got %v", path, api.DefaultShare, *share)
		}
		c.BudgetShare, c.Sources["poll.budget_share"] = *share, "file"
	}
	return nil
}

// applyEvents takes the [events] table.
func (c *Config) applyEvents(fc fileConfig, path string) error {
	c.set("events.queue", &c.EventsQueue, strings.TrimSpace(fc.Events.Queue), "file")
	if p := fc.Events.Pull; p != nil {
		if p.Duration < 500*time.Millisecond {
			return usagef("%s: events.pull must be at least 500ms (each pull is a request of the budget), got %s", path, p.Duration)
		}
		c.EventsPull, c.Sources["events.pull"] = p.Duration, "file"
	}
	if v := fc.Events.SubscribeNew; v != nil {
		c.EventsSubscribeNew, c.Sources["events.subscribe_new"] = *v, "file"
	}
	return nil
}

// applyHistory takes the [history] and [stats] tables.
func (c *Config) applyHistory(fc fileConfig, path string) error {
	if e := fc.History.Enabled; e != nil {
		c.History, c.Sources["history.enabled"] = *e, "file"
	}
	if k := fc.History.Keep; k != nil {
		if k.Duration < 24*time.Hour {
			return usagef("%s: history.keep must be at least a day (such as \"400d\"), got %s", path, k.Duration)
		}
		c.HistoryKeep, c.Sources["history.keep"] = k.Duration, "file"
	}
	if m := fc.Stats.IncludedMinutes; m != nil {
		if *m < 0 {
			return usagef("%s: stats.included_minutes must be 0 or more, got %v", path, *m)
		}
		c.IncludedMins, c.Sources["stats.included_minutes"] = *m, "file"
	}
	return nil
}

// applyUI takes the [ui] table and notify.builds: each a choice of a few.
func (c *Config) applyUI(fc fileConfig, path string) error {
	for _, ch := range []struct {
		field, val string
		dst        *string
		allowed    []string
	}{
		{"ui.theme", fc.UI.Theme, &c.Theme, styles.Themes()},
		{"ui.glyphs", fc.UI.Glyphs, &c.Glyphs, []string{"unicode", "ascii"}},
		{"ui.time", fc.UI.Time, &c.TimeMode, []string{"relative", "absolute"}},
		{"ui.timezone", fc.UI.Timezone, &c.Timezone, []string{"local", "utc"}},
		{"ui.hyperlinks", fc.UI.Hyperlinks, &c.Hyperlinks, []string{"auto", "on", "off"}},
		{"notify.builds", fc.Notify.Builds, &c.Notify, []string{"selected", "all", "none"}},
	} {
		if ch.val == "" {
			continue
		}
		if !slices.Contains(ch.allowed, ch.val) {
			return usagef("%s: %s must be one of %s, got %q", path, ch.field, strings.Join(ch.allowed, ", "), ch.val)
		}
		*ch.dst, c.Sources[ch.field] = ch.val, "file"
	}
	c.set("ui.save_dir", &c.SaveDir, fc.UI.SaveDir, "file")
	return nil
}

// applyNotify takes the channels of each outcome's notification.
func (c *Config) applyNotify(fc fileConfig, path string) error {
	for outcome, chans := range map[string]*[]string{"success": fc.Notify.Success, "fail": fc.Notify.Fail,
		"cancelled": fc.Notify.Cancelled, "terminated": fc.Notify.Terminated, "skipped": fc.Notify.Skipped} {
		if chans == nil {
			continue
		}
		for _, ch := range *chans {
			if !slices.Contains(tui.NotifyChannels(), ch) {
				return usagef("%s: notify.%s: unknown channel %q (channels: %s)", path, outcome, ch, strings.Join(tui.NotifyChannels(), ", "))
			}
		}
		c.NotifyBy[outcome] = *chans
		c.Sources["notify.channels"] = "file"
	}
	return nil
}

// applyEnv takes the environment's credentials and base URL. A token or a
// key is trimmed: a stray newline from a file or a paste is not part of it.
func (c *Config) applyEnv(getenv func(string) string) {
	env := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c.set("account_id", &c.AccountID, env("CLOUDFLARE_ACCOUNT_ID"), "environment")
	c.set("base_url", &c.BaseURL, orWord(env("CLOUDFLARE_API_BASE_URL"), env("CLOUDFLARE_BASE_URL")), "environment")
	c.set("events.queue", &c.EventsQueue, strings.TrimSpace(env("CFBUILDS_EVENTS_QUEUE")), "environment")
	c.set("email", &c.Email, env("CLOUDFLARE_EMAIL"), "environment")
	c.set("api_key", &c.APIKey, env("CLOUDFLARE_API_KEY"), "environment")
	c.set("token", &c.Token, env("CLOUDFLARE_API_TOKEN"), "environment")
}

// applyFlags takes the global flags that feed configuration.
func (c *Config) applyFlags(fl flagValues) {
	c.set("account_id", &c.AccountID, fl.account, "flag")
	c.set("base_url", &c.BaseURL, fl.apiURL, "flag")
	c.set("events.queue", &c.EventsQueue, strings.TrimSpace(fl.eventsQueue), "flag")
	if fl.noHistory {
		c.History, c.Sources["history.enabled"] = false, "flag"
	}
	c.AllowInsecure = c.AllowInsecure || fl.insecure
}

// set takes a value from a source when the source has one.
func (c *Config) set(field string, dst *string, val, source string) {
	if val != "" {
		*dst, c.Sources[field] = val, source
	}
}

// redactURL hides a password in a URL (https://user:pass@host).
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}

// validateURL refuses a base URL that would send the token in clear text to
// another machine.
func (c *Config) validateURL() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("base URL %q (from %s) is not an http(s) URL; the default is %s", redactURL(c.BaseURL), c.Sources["base_url"], api.DefaultBaseURL)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) && !c.AllowInsecure {
		return usagef("base URL %s (from %s) is plain HTTP to another machine: the token would travel in clear text; use https, or pass --insecure-http if you mean it", u.Redacted(), c.Sources["base_url"])
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// requireCredentials says what to set when there is nothing to authenticate with.
func (c *Config) requireCredentials() error {
	if c.Token == "" && (c.Email == "" || c.APIKey == "") {
		return usagef("CLOUDFLARE_API_TOKEN is not set; create a user API token with Workers CI Read (Edit to cancel) and Workers Scripts Read, export it, or try --demo")
	}
	if c.AccountID == "" {
		return usagef("CLOUDFLARE_ACCOUNT_ID is not set; export your account id (the hex id in the dashboard URL) or pass --account, or try --demo")
	}
	if !accountIDPattern.MatchString(c.AccountID) {
		return usagef("account id %q (from %s) is not an account id: it is 32 hex digits, as in your dashboard's URL (dash.cloudflare.com/<account id>)",
			model.SanitizeInline(c.AccountID), c.Sources["account_id"])
	}
	for _, secret := range []struct{ name, value, key string }{{"API token", c.Token, "token"}, {"API key", c.APIKey, "api_key"}} {
		if i := strings.IndexFunc(secret.value, func(r rune) bool { return r <= ' ' || r == 0x7f || r > 0x7e }); i >= 0 {
			return usagef("the %s (from %s) is malformed: it holds a space, a control character or a non-ASCII character at byte %d; copy it again whole",
				secret.name, c.Sources[secret.key], i+1)
		}
	}
	return nil
}

// accountIDPattern is a Cloudflare account id.
var accountIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// parseConfigFile decodes TOML, naming the file, the line and what was expected.
func parseConfigFile(path string, raw []byte) (fileConfig, error) {
	var fc fileConfig
	if len(raw) > maxConfigBytes {
		return fc, usagef("config %s is over %d bytes; a configuration file is a few hundred: is it the right file?", path, maxConfigBytes)
	}
	if !utf8.Valid(raw) {
		return fc, usagef("config %s is not UTF-8 text: is it the right file?", path)
	}
	md, err := toml.NewDecoder(bytes.NewReader(raw)).Decode(&fc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return fc, usagef("config %s, line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return fc, usagef("config %s: %v", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fc, usagef("config %s: unknown key %s (config.example.toml lists every key)", path, strings.Join(keys, ", "))
	}
	return fc, nil
}

// tokenCommandTimeout bounds a token_command: a password manager that waits
// for a touch that never comes must not hang the start.
const tokenCommandTimeout = 30 * time.Second

// maxTokenOutput is how much of a token_command's output is read: a token
// is one short line, and a command that never stops printing must not fill
// memory.
const maxTokenOutput = 8 << 10

// runTokenCommand runs a password manager command and takes its first line
// (read from at most maxTokenOutput bytes). A command still printing after
// it is stopped, and said so in the warning.
func runTokenCommand(ctx context.Context, cmdline string) (tok, warning string, err error) {
	ctx, cancel := context.WithTimeout(ctx, tokenCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", cmdline)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	stderr := &capped{n: 200}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", "", err
	}
	if err := cmd.Start(); err != nil {
		return "", "", fmt.Errorf("it could not start: %v", err)
	}
	line, complete, more := readFirstLine(out, maxTokenOutput)
	if more {
		// It goes on printing: what follows the token is not wanted.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		warning = "warning: token_command went on printing after its first line; cfbuilds took that line and stopped it"
	}
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "", "", fmt.Errorf("it did not finish within %s", tokenCommandTimeout)
	case !complete && more:
		return "", "", fmt.Errorf("it printed more than %d KB without a line break: not a token", maxTokenOutput>>10)
	case waitErr != nil && !more:
		return "", "", fmt.Errorf("it failed (%v) %s", waitErr, model.SanitizeInline(strings.TrimSpace(stderr.String())))
	}
	tok = strings.TrimSpace(line)
	if tok == "" {
		return "", "", errors.New("it printed nothing")
	}
	return tok, warning, nil
}

// readFirstLine reads r up to its first non-empty line, at most limit
// bytes: the line, whether it ended (a newline or the end), and whether
// more output followed (or the limit was reached).
func readFirstLine(r io.Reader, limit int) (line string, complete, more bool) {
	br := bufio.NewReaderSize(io.LimitReader(r, int64(limit)+1), 4096)
	var b strings.Builder
	for b.Len() <= limit {
		c, err := br.ReadByte()
		if err != nil {
			return b.String(), true, b.Len() > limit
		}
		if c == '\n' && strings.TrimSpace(b.String()) != "" {
			_, perr := br.Peek(1)
			return b.String(), true, perr == nil
		}
		b.WriteByte(c)
	}
	return b.String(), false, true
}

// capped keeps the first n bytes written to it and drops the rest.
type capped struct {
	n int
	b bytes.Buffer
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.n - c.b.Len(); room > 0 {
		c.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (c *capped) String() string { return c.b.String() }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
