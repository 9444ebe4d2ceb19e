package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
	"github.com/cfbuilds/cfbuilds/model"
)

// runCLI runs the program with args and an environment.
func runCLI(t testing.TB, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIIn(t, "", env, args...)
}

// runCLIIn is runCLI with git looking in dir.
func runCLIIn(t testing.TB, dir string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := Run(ctx, Env{Version: "dev", Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: getenv, Dir: dir})
	return code, out.String(), errb.String()
}

// simEnvFor starts a simulator on loopback and returns the environment that
// points the program at it.
func simEnvFor(t testing.TB, o sim.Options) (*sim.Sim, map[string]string) {
	t.Helper()
	s := sim.New(o)
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sv.Close() })
	return s, map[string]string{
		"CLOUDFLARE_API_BASE_URL": sv.URL,
		"CLOUDFLARE_ACCOUNT_ID":   s.AccountID(),
		"CLOUDFLARE_API_TOKEN":    s.Token(),
		"XDG_CONFIG_HOME":         t.TempDir(),
	}
}

func TestListJSON(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 3, PushEvery: -1, Seed: 9})
	code, out, errs := runCLI(t, env, "list", "--json", "--limit", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var items []map[string]any
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatalf("not one JSON array: %v\n%s", err, out)
	}
	if len(items) != 5 {
		t.Fatalf("%d items, want 5", len(items))
	}
	all := s.Builds()
	for i, it := range items {
		if it["build_uuid"] != all[i].UUID || it["worker_name"] != all[i].Worker || it["worker_tag"] != all[i].WorkerTag {
			t.Fatalf("item %d: %v, want %+v (newest first)", i, it["build_uuid"], all[i])
		}
		for _, k := range []string{"status", "build_outcome", "created_on", "build_trigger_metadata"} {
			if _, ok := it[k]; !ok {
				t.Fatalf("item lacks %s", k)
			}
		}
	}
	code, out, _ = runCLI(t, env, "list", "--worker", "webhooks")
	if code != 2 || out != "" { // a typo is a usage error
		t.Fatalf("unknown Worker: exit %d", code)
	}
	code, out, _ = runCLI(t, env, "list", "--worker", all[0].Worker)
	if code != 0 || !strings.Contains(out, all[0].UUID) {
		t.Fatalf("list --worker: %d %s", code, out)
	}
}

func TestLogsFollowWatchCancel(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1, PageSize: 3})
	lines := []string{"\x1b[32mone\x1b[0m", "two \x1b]0;title\x07", "three"}
	id := s.Inject(sim.Spec{Lines: lines, LineEvery: 200 * time.Millisecond, QueueFor: 100 * time.Millisecond, Outcome: "success"})

	code, out, errs := runCLI(t, env, "logs", id, "--follow", "--timestamps")
	if code != 0 {
		t.Fatalf("logs --follow: exit %d %s", code, errs)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if len(got) != 3 || !strings.HasSuffix(got[0], " one") || !strings.HasSuffix(got[1], " two ") || strings.ContainsRune(out, 0x1b) {
		t.Fatalf("logs --follow printed %q", out)
	}
	if _, err := time.Parse(time.RFC3339, strings.Fields(got[0])[0]); err != nil {
		t.Fatalf("timestamp: %v", err)
	}
	code, out, _ = runCLI(t, env, "logs", id)
	if code != 0 || out != "one\ntwo \nthree\n" {
		t.Fatalf("logs: %d %q", code, out)
	}
	code, _, _ = runCLI(t, env, "watch", id)
	if code != 0 {
		t.Fatalf("watch of a successful build: exit %d", code)
	}

	running := s.Inject(sim.Spec{Lines: []string{"a", "b"}, LineEvery: time.Hour})
	code, _, errs = runCLI(t, env, "cancel", running)
	if code != 2 || !strings.Contains(errs, "--yes") {
		t.Fatalf("cancel without --yes on a non-terminal: %d %q", code, errs)
	}
	code, out, errs = runCLI(t, env, "cancel", running, "--yes")
	if code != 0 || !strings.Contains(out, "cancelled") {
		t.Fatalf("cancel --yes: %d %q %q", code, out, errs)
	}
	if n := s.Requests()["cancel"]; n != 1 {
		t.Fatalf("%d cancels", n)
	}
	code, _, _ = runCLI(t, env, "watch", running)
	if code != 1 {
		t.Fatalf("watch of a cancelled build: exit %d, want 1", code)
	}
	code, _, errs = runCLI(t, env, "cancel", running, "--yes")
	if code != 1 || !strings.Contains(errs, "cannot be cancelled") && !strings.Contains(errs, "only a queued or running") {
		t.Fatalf("cancel of a stopped build: %d %q", code, errs)
	}
}

func TestFaultsGiveClearErrors(t *testing.T) {
	t.Parallel()
	_, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1, Faults: sim.Faults{HTML502: 1}})
	code, out, errs := runCLI(t, env, "list")
	if code != 1 || out != "" {
		t.Fatalf("exit %d", code)
	}
	if strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "HTML page") || strings.Contains(errs, "goroutine") {
		t.Fatalf("not one clear line: %q", errs)
	}
}

// TestBadInput: every mistake gets one clear line and the right exit code,
// never a panic.
func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbled := write("garbled.toml", "[accounts.x\naccount_id = ", 0o600)
	wrongType := write("type.toml", "[poll]\nactive = 5\n", 0o600)
	badDur := write("dur.toml", "[poll]\nactive = \"soon\"\n", 0o600)
	unknown := write("unknown.toml", "colour = \"red\"\n", 0o600)
	badTheme := write("theme.toml", "[ui]\ntheme = \"neon\"\n", 0o600)
	badShare := write("share.toml", "[poll]\nbudget_share = 7\n", 0o600)
	empty := write("empty.toml", "", 0o600)
	huge := write("huge.toml", strings.Repeat("# padding\n", 200_000), 0o600)
	badKeys := write("keys.toml", "[keys]\nexplode = [\"x\"]\n", 0o600)
	ctrlCancel := write("ctrl.toml", "[keys]\ncancel = [\"ctrl+k\"]\n", 0o600)
	noProfile := write("noprof.toml", "default_profile = \"ghost\"\n", 0o600)
	badCmd := write("cmd.toml", "[accounts.a]\naccount_id = \"x\"\ntoken_command = \"exit 3\"\n", 0o600)
	good := map[string]string{"CLOUDFLARE_API_TOKEN": "t0ken-value", "CLOUDFLARE_ACCOUNT_ID": "0123456789abcdef0123456789abcdef", "XDG_CONFIG_HOME": dir}
	none := map[string]string{"XDG_CONFIG_HOME": dir}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"unknown flag", good, []string{"--colour"}, 2, "flag provided but not defined"},
		{"flag missing value", good, []string{"--config"}, 2, "flag needs an argument"},
		{"bad int", good, []string{"list", "--limit", "ten"}, 2, "invalid value"},
		{"limit out of range", good, []string{"list", "--limit", "0"}, 2, "--limit"},
		{"unknown command", good, []string{"deploy"}, 2, "unknown command"},
		{"flag of another command", good, []string{"list", "--follow"}, 2, "does not take --follow"},
		{"logs without uuid", good, []string{"logs"}, 2, "BUILD_UUID"},
		{"extra args", good, []string{"list", "x"}, 2, "takes no arguments"},
		{"no token", none, []string{"list"}, 2, "CLOUDFLARE_API_TOKEN is not set"},
		{"no token mentions demo", none, nil, 2, "--demo"},
		{"no account", map[string]string{"CLOUDFLARE_API_TOKEN": "t", "XDG_CONFIG_HOME": dir}, []string{"list"}, 2, "CLOUDFLARE_ACCOUNT_ID"},
		{"missing config file", good, []string{"--config", filepath.Join(dir, "nope.toml"), "list"}, 2, "nope.toml"},
		{"garbled config", good, []string{"--config", garbled, "list"}, 2, "garbled.toml, line "},
		{"wrong type", good, []string{"--config", wrongType, "list"}, 2, "type.toml"},
		{"bad duration", good, []string{"--config", badDur, "list"}, 2, "duration"},
		{"unknown key", good, []string{"--config", unknown, "list"}, 2, "unknown key colour"},
		{"bad theme", good, []string{"--config", badTheme, "list"}, 2, "ui.theme must be one of"},
		{"bad share", good, []string{"--config", badShare, "list"}, 2, "budget_share"},
		{"zero share", good, []string{"--config", write("zero.toml", "[poll]\nbudget_share = 0\n", 0o600), "list"}, 2, "budget_share must be more than 0"},
		{"zero poll", good, []string{"--config", write("zpoll.toml", "[poll]\nactive = \"0s\"\n", 0o600), "list"}, 2, "want a positive duration"},
		{"account id not hex", with("CLOUDFLARE_ACCOUNT_ID", "my-account"), []string{"list"}, 2, `account id "my-account" (from environment) is not an account id`},
		{"account id for the dashboard", with("CLOUDFLARE_ACCOUNT_ID", "my-account"), nil, 2, "32 hex digits"},
		{"token with a control byte", with("CLOUDFLARE_API_TOKEN", "tok\x01en"), []string{"list"}, 2, "API token (from environment) is malformed"},
		{"watch bad every", good, []string{"watch", "--commit", "abc1234", "--every", "1ms"}, 2, "--every wants at least 100ms"},
		{"watch bad timeout", good, []string{"watch", "--commit", "abc1234", "--timeout", "-1s"}, 2, "--timeout wants a positive duration"},
		{"huge config", good, []string{"--config", huge, "list"}, 2, "bytes"},
		{"bad key action", good, []string{"--config", badKeys, "list"}, 2, "unknown key action"},
		{"cancel on ctrl", good, []string{"--config", ctrlCancel, "list"}, 2, "control key"},
		{"unknown profile", good, []string{"--config", noProfile, "list"}, 2, "profile \"ghost\""},
		{"failing token command", none, []string{"--config", badCmd, "list"}, 2, "token_command"},
		{"not http", with("CLOUDFLARE_API_BASE_URL", "ftp://example.com"), []string{"list"}, 2, "not an http(s) URL"},
		{"plain http elsewhere", with("CLOUDFLARE_API_BASE_URL", "http://example.com/client/v4"), []string{"list"}, 2, "clear text"},
		{"unreachable", with("CLOUDFLARE_API_BASE_URL", "http://127.0.0.1:1/client/v4"), []string{"list"}, 1, "cannot reach the API"},
		{"sim bad faults", good, []string{"sim", "--faults", "5xx=2"}, 2, "probability"},
		{"sim bad cursor", good, []string{"sim", "--cursor", "sideways"}, 2, "--cursor"},
		{"bad notify channel", good, []string{"--config", write("notify.toml", "[notify]\nfail = [\"siren\"]\n", 0o600), "list"}, 2, "unknown channel"},
		{"bad hyperlinks", good, []string{"--config", write("links.toml", "[ui]\nhyperlinks = \"maybe\"\n", 0o600), "list"}, 2, "ui.hyperlinks must be one of"},
	}
	_ = empty
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCLI(t, tt.env, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.code, errs)
			}
			if !strings.Contains(errs, tt.want) {
				t.Fatalf("stderr %q lacks %q", errs, tt.want)
			}
			if strings.Count(strings.TrimRight(errs, "\n"), "\n") > 0 || strings.Contains(errs, "panic") {
				t.Fatalf("not one line: %q", errs)
			}
			if strings.Contains(errs, "t0ken-value") {
				t.Fatal("token in the error")
			}
		})
	}
	// An empty config file is fine.
	if code, _, errs := runCLI(t, with("XDG_CONFIG_HOME", dir), "--config", empty, "config"); code != 0 {
		t.Fatalf("empty config: %d %s", code, errs)
	}
}

func TestConfigPrecedenceAndRedaction(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	body := "default_profile = \"work\"\n[accounts.work]\naccount_id = \"file-acct\"\ntoken = \"file-token-secret\"\napi_url = \"https://file.example/client/v4\"\n[poll]\nidle = \"45s\"\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CLOUDFLARE_ACCOUNT_ID": "env-acct"}
	code, out, errs := runCLI(t, env, "--config", path, "--api-url", "https://flag.example/client/v4", "config")
	if code != 0 {
		t.Fatalf("exit %d %s", code, errs)
	}
	for _, want := range []string{"env-acct", "environment", "https://flag.example/client/v4", "flag", "[redacted]", "45s", "file", "2s"} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "file-token-secret") || strings.Contains(errs, "file-token-secret") {
		t.Fatal("token printed")
	}
	if !strings.Contains(errs, "others can read it") {
		t.Fatalf("no warning for a readable token file: %q", errs)
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	if code, out, _ := runCLI(t, nil, "--version"); code != 0 || !strings.HasPrefix(out, "cfbuilds ") {
		t.Fatalf("--version: %d %q", code, out)
	}
	code, out, _ := runCLI(t, nil, "--help")
	if code != 0 {
		t.Fatalf("--help: %d", code)
	}
	for _, want := range []string{"list", "logs", "watch", "cancel", "sim", "--demo", "--read-only", "--profile", "CLOUDFLARE_API_TOKEN"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestReadmeScreenshotIsGolden keeps the README's text screenshot true.
func TestReadmeScreenshotIsGolden(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	gold, err := os.ReadFile("../../tui/testdata/dashboard-80x24.golden")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(gold), "\n") {
		lines = append(lines, strings.TrimRight(l, " "))
	}
	if !strings.Contains(string(readme), strings.Join(lines, "\n")) {
		t.Fatal("README's screenshot differs from tui/testdata/dashboard-80x24.golden: paste the golden file into README.md")
	}
	if !strings.Contains(string(readme), "go run . --demo") || !strings.Contains(string(readme), "go test ./...") {
		t.Fatal("README lost a set-up command")
	}
}

// TestEveryConfigKey sets each key of config.example.toml in a file and
// checks `cfbuilds config` reports it, from the file.
func TestEveryConfigKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct{ body, want string }{
		{"[accounts.a]\naccount_id = \"acct-from-file\"\n", "acct-from-file"},
		{"[accounts.a]\ntoken = \"tok-from-file\"\n", "[redacted]"},
		{"[accounts.a]\ntoken_command = \"echo tok-from-cmd\"\n", "file (token_command)"},
		{"[accounts.a]\nemail = \"me@x.dev\"\n", "me@x.dev"},
		{"[accounts.a]\napi_url = \"https://proxy.example/client/v4\"\n", "https://proxy.example/client/v4"},
		{"[accounts.a]\napi_url = \"http://10.0.0.1/v4\"\nallow_insecure_http = true\n", "http://10.0.0.1/v4"},
		{"[accounts.a]\nworkers = [\"w1\", \"w2\"]\n", "w1,w2"},
		{"default_profile = \"b\"\n[accounts.a]\naccount_id = \"A\"\n[accounts.b]\naccount_id = \"B-acct\"\n", "B-acct"},
		{"[poll]\nactive = \"7s\"\n", "7s"},
		{"[poll]\nidle = \"44s\"\n", "44s"},
		{"[poll]\nlog = \"3s\"\n", "3s"},
		{"[poll]\nbudget_share = 0.1\n", "0.1"},
		{"[ui]\ntheme = \"colorblind\"\n", "colorblind"},
		{"[ui]\nglyphs = \"ascii\"\n", "ascii"},
		{"[ui]\ntime = \"absolute\"\n", "absolute"},
		{"[ui]\ntimezone = \"utc\"\n", "utc"},
		{"[ui]\nsave_dir = \"/tmp/logs\"\n", "/tmp/logs"},
		{"[ui]\nhyperlinks = \"off\"\n", "off"},
		{"[notify]\nbuilds = \"all\"\n", "all"},
		{"[notify]\nfail = [\"osc777\"]\n", "osc777"},
		{"[keys]\ncancel = [\"x\"]\n", "keys.cancel"},
	}
	for i, tt := range tests {
		path := filepath.Join(dir, fmt.Sprintf("c%d.toml", i))
		if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCLI(t, map[string]string{"XDG_CONFIG_HOME": dir}, "--config", path, "config")
		if code != 0 {
			t.Fatalf("%q: exit %d %s", tt.body, code, errs)
		}
		found := false
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, tt.want) && strings.Contains(line, "file") {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: no line with %q from the file:\n%s", tt.body, tt.want, out)
		}
		if strings.Contains(out, "tok-from") {
			t.Errorf("token printed: %s", out)
		}
	}
}

// TestConfigExampleIsValid: the documented file loads as it is.
func TestConfigExampleIsValid(t *testing.T) {
	t.Parallel()
	code, _, errs := runCLI(t, map[string]string{}, "--config", "../../config.example.toml", "config")
	// Its token_command names a password manager that is not here: that, and
	// only that, may fail.
	if code != 0 && !strings.Contains(errs, "token_command") {
		t.Fatalf("config.example.toml: exit %d: %s", code, errs)
	}
}

func TestLiveAndVersionCommands(t *testing.T) {
	t.Parallel()
	_, env := simEnvFor(t, sim.Options{Workers: 4, PushEvery: -1, History: 3, Seed: 21, Undeployed: []string{"marketing-site"}})
	code, out, errs := runCLI(t, env, "live", "--json")
	if code != 0 {
		t.Fatalf("live --json: %d %s", code, errs)
	}
	var items []struct {
		WorkerName string `json:"worker_name"`
		Deployment *struct {
			Versions []struct {
				VersionID  string          `json:"version_id"`
				Percentage float64         `json:"percentage"`
				Build      *map[string]any `json:"build"`
			} `json:"versions"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items) != 4 {
		t.Fatalf("live --json: %v\n%s", err, out)
	}
	var liveBuild, liveVersion string
	for _, it := range items {
		if it.WorkerName == "marketing-site" {
			if it.Deployment != nil {
				t.Fatal("a never-deployed Worker has a deployment")
			}
			continue
		}
		if it.Deployment == nil || len(it.Deployment.Versions) == 0 {
			t.Fatalf("%s: no deployment", it.WorkerName)
		}
		for _, v := range it.Deployment.Versions {
			if v.Build != nil && v.Percentage == 100 {
				liveBuild, liveVersion = (*v.Build)["build_uuid"].(string), v.VersionID
			}
		}
	}
	if liveBuild == "" {
		t.Fatal("no version at 100% from a build: the test proves nothing")
	}
	const laptop = "00000000-1111-4222-8333-444444444444" // a version id no build made
	code, out, _ = runCLI(t, env, "version", liveVersion, laptop)
	if code != 0 || !strings.Contains(out, liveBuild) || !strings.Contains(out, laptop+"  not from a build") {
		t.Fatalf("version: %d %s", code, out)
	}
	if code, _, errs := runCLI(t, env, "version", liveVersion, "not-a-version"); code != 2 || !strings.Contains(errs, `"not-a-version" is not a Worker version id`) {
		t.Fatalf("version with something that is not a version id: %d %s", code, errs)
	}
	code, out, _ = runCLI(t, env, "version", "--json", liveVersion, laptop)
	var versions map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &versions); code != 0 || err != nil || versions[laptop] != nil ||
		versions[liveVersion]["build_uuid"] != liveBuild || versions[liveVersion]["worker_name"] == "" || versions[liveVersion]["worker_name"] == nil {
		t.Fatalf("version --json: %d %v %s", code, err, out)
	}
	code, out, _ = runCLI(t, env, "list", "--json", "--limit", "50")
	if code != 0 || !strings.Contains(out, `"live_percentage": 100`) {
		t.Fatalf("list --json has no live_percentage")
	}
	var listed []map[string]any
	_ = json.Unmarshal([]byte(out), &listed)
	for _, b := range listed {
		if b["build_uuid"] == liveBuild && b["live_percentage"] != float64(100) {
			t.Fatalf("the live build lacks live_percentage: %v", b)
		}
		if _, has := b["live_percentage"]; has && b["build_outcome"] != "success" {
			t.Fatalf("a build that did not succeed claims to serve traffic: %v", b)
		}
		// Every field the API sent, under its own names and nesting.
		meta, _ := b["build_trigger_metadata"].(map[string]any)
		trig, _ := b["trigger"].(map[string]any)
		if meta["build_token_uuid"] == nil || meta["environment_variables"] == nil || trig["trigger_uuid"] == nil ||
			trig["repo_connection"] == nil || b["worker_name"] == "" || b["worker_tag"] == "" {
			t.Fatalf("list --json dropped fields the API sent: %v", b)
		}
	}
	if code, _, errs := runCLI(t, env, "version"); code != 2 || !strings.Contains(errs, "VERSION_ID") {
		t.Fatalf("version without ids: %d %s", code, errs)
	}
	if code, out, _ := runCLI(t, env, "live"); code != 0 || !strings.Contains(out, "marketing-site  never deployed") {
		t.Fatalf("live text: %d %s", code, out)
	}
}

// TestCredentialsRefused: a wrong token or account id against the simulator
// gives one line saying what to do, and exit 1.
func TestCredentialsRefused(t *testing.T) {
	t.Parallel()
	_, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1})
	for _, tc := range []struct{ key, value, want string }{
		{"CLOUDFLARE_API_TOKEN", "not-the-token", "user-scoped API token"},
		{"CLOUDFLARE_ACCOUNT_ID", "ffffffffffffffffffffffffffffffff", "check the account id"},
	} {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		e[tc.key] = tc.value
		code, _, errs := runCLI(t, e, "list")
		if code != 1 || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%s=%s: exit %d, %q", tc.key, tc.value, code, errs)
		}
		if strings.Contains(errs, "not-the-token") {
			t.Error("the token is in the error")
		}
	}
}

// TestReadOnlyTokenAndOldestFirstHistory: against a simulator serving
// history oldest first, list still shows the newest builds; a token without
// Workers CI Edit reads, and its cancel is one line naming the permission.
func TestReadOnlyTokenAndOldestFirstHistory(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1, History: 30, Seed: 8, HistoryOrder: sim.HistoryOldestFirst})
	env["CLOUDFLARE_API_TOKEN"] = sim.DefaultReadOnlyToken
	id := s.Inject(sim.Spec{Lines: []string{"a"}, RunFor: time.Hour})
	code, out, errs := runCLI(t, env, "list", "--limit", "3")
	if code != 0 || !strings.Contains(out, id) {
		t.Fatalf("list with history oldest first lacks the newest build %s: %d %s %s", id, code, out, errs)
	}
	code, _, errs = runCLI(t, env, "cancel", "--yes", id)
	if code != 1 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "permission missing: add Workers CI Edit") {
		t.Fatalf("read-only cancel: %d %q", code, errs)
	}
	if n := s.Requests()["cancel"]; n != 1 {
		t.Fatalf("%d cancel requests, want 1", n)
	}
}

// TestEveryCommandHasItsOwnHelp: each subcommand's --help names its own
// flags, their defaults and an example, not the general usage.
func TestEveryCommandHasItsOwnHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commands()[1:] {
		code, out, errs := runCLI(t, nil, c.name, "--help")
		if code != 0 || !strings.HasPrefix(out, "cfbuilds "+c.name+": ") || !strings.Contains(out, "Example:") || strings.Contains(out, "Exit codes") {
			t.Errorf("%s --help: %d %q %q", c.name, code, out, errs)
		}
		fs := newFlagSet(c.name)
		c.opts().flags(fs)
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(out, "--"+f.Name) {
				t.Errorf("%s --help lacks --%s", c.name, f.Name)
			}
		})
	}
	if _, out, _ := runCLI(t, nil, "list", "--help"); !strings.Contains(out, "(default 20)") {
		t.Errorf("list --help lacks the --limit default:\n%s", out)
	}
}

// TestStartUpCannotHang: a config path that is a FIFO or a device is
// refused without reading it, a non-UTF-8 one is an error naming the file,
// and a token_command that sleeps, or leaves a child holding stdout, ends
// at its timeout with its whole process group.
func TestStartUpCannotHang(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	latin1 := filepath.Join(dir, "latin1.toml")
	_ = os.WriteFile(latin1, []byte("[ui]\ntheme = \"caf\xe9\"\n"), 0o600)
	env := map[string]string{"CLOUDFLARE_API_TOKEN": "t", "CLOUDFLARE_ACCOUNT_ID": "a", "XDG_CONFIG_HOME": dir}
	for _, tc := range []struct{ path, want string }{
		{fifo, "not a regular file"}, {"/dev/zero", "not a regular file"}, {latin1, "not UTF-8"},
	} {
		code, _, errs := runCLI(t, env, "--config", tc.path, "config")
		if code != 2 || !strings.Contains(errs, tc.want) || !strings.Contains(errs, tc.path) {
			t.Errorf("%s: %d %q", tc.path, code, errs)
		}
	}
	// A token command that would hang: a short deadline from the caller
	// stands for the timeout (and for a signal), and the child that keeps
	// stdout open is killed with its group.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := runTokenCommand(ctx, "(sleep 60; echo late) & sleep 60; echo x")
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("token_command: %v after %v", err, time.Since(start))
	}
}

// TestTokenCommandThatFloods (#29.12): a token_command that never stops
// printing gives its first line and is stopped, with a warning; one that
// prints without a line break is refused; neither is buffered whole.
func TestTokenCommandThatFloods(t *testing.T) {
	t.Parallel()
	tok, warning, err := runTokenCommand(context.Background(), "echo tok-1; yes")
	if err != nil || tok != "tok-1" || !strings.Contains(warning, "went on printing") {
		t.Fatalf("flood after a line: %q %q %v", tok, warning, err)
	}
	_, _, err = runTokenCommand(context.Background(), "cat /dev/zero")
	if err == nil || !strings.Contains(err.Error(), "without a line break") {
		t.Fatalf("flood without a newline: %v", err)
	}
	tok, warning, err = runTokenCommand(context.Background(), "printf 'tok-2\n'")
	if err != nil || tok != "tok-2" || warning != "" {
		t.Fatalf("a plain token: %q %q %v", tok, warning, err)
	}
}

// TestBadBuildArguments: an empty build uuid, or one with a slash or "..",
// is a usage error and no request; the dashboard refuses a redirected stdout.
func TestBadBuildArguments(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1})
	for _, args := range [][]string{{"watch", ""}, {"logs", ""}, {"logs", "../../user/tokens/verify"}, {"cancel", "--yes", "a/b"}, {"watch", ".."}} {
		code, _, errs := runCLI(t, env, args...)
		if code != 2 || !strings.Contains(errs, "is not a build uuid") {
			t.Errorf("%q: %d %q", args, code, errs)
		}
	}
	if n := s.Requests()["total"]; n != 0 {
		t.Errorf("%d requests for bad arguments", n)
	}
	if code, _, errs := runCLI(t, env); code != 2 || !strings.Contains(errs, "stdout is not one") {
		t.Errorf("dashboard to a buffer: %d %q", code, errs)
	}
}

// hostileProxy serves the simulator with a title change, a clipboard write,
// a screen clear, an 8-bit CSI and a bell added to every string value of
// every answer, ids aside (they must still find their builds).
func hostileProxy(t *testing.T, s *sim.Sim) (string, *atomic.Int64) {
	t.Helper()
	const evil = "\x1b]0;PWNED\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J\u009b31m\a"
	keep := map[string]bool{"id": true, "tag": true, "build_uuid": true, "external_script_id": true, "version_id": true,
		"cursor": true, "trigger_uuid": true, "created_on": true, "modified_on": true, "initializing_on": true,
		"running_on": true, "stopped_on": true, "started_on": true, "ended_on": true, "status": false}
	var fields atomic.Int64 // the proxy answers concurrent requests
	var walk func(key string, v any) any
	walk = func(key string, v any) any {
		switch x := v.(type) {
		case string:
			if keep[key] {
				return x
			}
			fields.Add(1)
			return x + evil
		case []any:
			for i := range x {
				x[i] = walk(key, x[i])
			}
		case map[string]any:
			for k := range x {
				x[k] = walk(k, x[k])
			}
		}
		return v
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		var v any
		body := rec.Body.Bytes()
		if json.Unmarshal(body, &v) == nil {
			body, _ = json.Marshal(walk("", v))
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/client/v4", &fields
}

// TestHostileStringsInEveryCommand: with hostile text in every string field
// of every answer, no command prints an escape sequence, a C1 control or a
// bell; --json keeps them JSON-escaped.
func TestHostileStringsInEveryCommand(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Options{Workers: 3, PushEvery: -1, History: 3, Seed: 21})
	url, fields := hostileProxy(t, s)
	env := map[string]string{"CLOUDFLARE_API_BASE_URL": url, "CLOUDFLARE_ACCOUNT_ID": s.AccountID(),
		"CLOUDFLARE_API_TOKEN": s.Token(), "XDG_CONFIG_HOME": t.TempDir()}
	running := s.Inject(sim.Spec{Lines: []string{"a"}, RunFor: time.Hour})
	var version string
	for _, b := range s.Builds() {
		if v := s.VersionOf(b.UUID); v != "" {
			version = v
			break
		}
	}
	commands := [][]string{{"list"}, {"list", "--json"}, {"list", "--worker", "nope"}, {"live"}, {"live", "--json"},
		{"live", "--worker", "nope"}, {"version", version}, {"version", "--json", version}, {"logs", running},
		{"cancel", "--yes", running}, {"cancel", "--yes", running}, {"config"}}
	for _, args := range commands {
		_, out, errs := runCLI(t, env, args...)
		for _, bad := range []string{"\x1b", "\a", "\u009b"} {
			if strings.Contains(out+errs, bad) {
				t.Errorf("%v printed %q:\nstdout %q\nstderr %q", args, bad, out, errs)
			}
		}
	}
	t.Logf("%d hostile string fields served across %d commands", fields.Load(), len(commands))
}

// TestBaseURLPasswordRedacted: a password in the base URL is never printed,
// by config or by the error about a URL that is not http(s).
func TestBaseURLPasswordRedacted(t *testing.T) {
	t.Parallel()
	env := map[string]string{"CLOUDFLARE_API_TOKEN": "t", "CLOUDFLARE_ACCOUNT_ID": "a", "XDG_CONFIG_HOME": t.TempDir(),
		"CLOUDFLARE_API_BASE_URL": "https://user:s3kr1t-pass@proxy.example/client/v4"}
	code, out, errs := runCLI(t, env, "config")
	if code != 0 || strings.Contains(out+errs, "s3kr1t") || !strings.Contains(out, "proxy.example") {
		t.Fatalf("config: %d %q %q", code, out, errs)
	}
	env["CLOUDFLARE_API_BASE_URL"] = "ftp://user:s3kr1t-pass@proxy.example/"
	code, out, errs = runCLI(t, env, "list")
	if code != 2 || strings.Contains(out+errs, "s3kr1t") {
		t.Fatalf("not http: %d %q %q", code, out, errs)
	}
}

// TestRebuildAndBuild: rebuild posts the build's branch and commit once to
// its trigger (purging the cache first when asked) and says when the
// trigger's settings changed since; build picks the trigger whose branch
// filters take the branch; a read-only token or --read-only refuses.
func TestRebuildAndBuild(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1, History: 2, Seed: 4})
	old := s.Builds()[0]
	worker := old.Worker
	if err := s.UpdateTrigger(worker, "pnpm build"); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, env, "rebuild", old.UUID, "--yes", "--purge-cache")
	if code != 0 || !strings.Contains(out, "Started build ") || !strings.Contains(out, `changed since this build: it ran "npm run build"`) ||
		!strings.Contains(out, "Emptied the build cache") {
		t.Fatalf("rebuild: %d %q %q", code, out, errs)
	}
	if n := s.Requests()["manual"]; n != 1 {
		t.Fatalf("%d manual builds posted, want 1", n)
	}
	purges := 0
	for _, tr := range s.Triggers(worker) {
		purges += tr.Purges
	}
	if purges != 1 {
		t.Fatalf("%d purges, want 1", purges)
	}
	newest := s.Builds()[0]
	if newest.Commit != old.Commit || newest.Branch != old.Branch {
		t.Fatalf("rebuilt %s@%s, want %s@%s", newest.Branch, newest.Commit, old.Branch, old.Commit)
	}
	code, out, errs = runCLI(t, env, "build", "--worker", worker, "--branch", "feature/x", "--yes")
	if code != 0 || !strings.Contains(out, "Started build ") {
		t.Fatalf("build: %d %q %q", code, out, errs)
	}
	if b := s.Builds()[0]; b.Branch != "feature/x" {
		t.Fatalf("built branch %q", b.Branch)
	}
	if code, _, errs := runCLI(t, env, "build", "--worker", worker); code != 2 || !strings.Contains(errs, "--branch") {
		t.Fatalf("build without a branch: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, env, "--read-only", "rebuild", old.UUID, "--yes"); code != 2 || !strings.Contains(errs, "read-only") {
		t.Fatalf("--read-only: %d %q", code, errs)
	}
	ro := map[string]string{}
	for k, v := range env {
		ro[k] = v
	}
	ro["CLOUDFLARE_API_TOKEN"] = sim.DefaultReadOnlyToken
	code, _, errs = runCLI(t, ro, "rebuild", old.UUID, "--yes")
	if code != 1 || !strings.Contains(errs, "add Workers CI Edit") {
		t.Fatalf("read-only token: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, env, "rebuild", old.UUID); code != 2 || !strings.Contains(errs, "--yes") {
		t.Fatalf("rebuild off a terminal without --yes: %d %q", code, errs)
	}
	// One POST per confirmation: two started, one refused (the read-only
	// token), none without --yes.
	if n := s.Requests()["manual"]; n != 3 {
		t.Fatalf("%d manual builds posted in all, want 3", n)
	}
}

// gitCheckout makes a git repository with one commit touching file, its
// origin remote acme/monorepo on GitHub and its branch main, and returns
// its directory and the commit. It skips without git.
func gitCheckout(t *testing.T, file string) (string, string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q", "-b", "main")
	run("remote", "add", "origin", "git@github.com:acme/monorepo.git")
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(file)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	run("add", ".")
	run("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "change the web app")
	return dir, run("rev-parse", "HEAD")
}

// TestWatchAPush: a push of one commit to three Workers of a repository,
// one path-filtered out, one starting late: watch --commit waits for the
// late one and exits 0 when all succeeded, 1 when one failed, 3 at the
// timeout; --json writes NDJSON that parses.
func TestWatchAPush(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		outcome string
		timeout string
		code    int
	}{{"success", "success", "30s", 0}, {"failure", "fail", "30s", 1}, {"timeout", "success", "400ms", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			s, env := simEnvFor(t, sim.Options{Workers: 4, PushEvery: -1, History: 1, Seed: 3})
			ws := s.Workers()
			t.Parallel()
			dir, sha := gitCheckout(t, "apps/web/index.ts")
			s.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha, Files: []string{"apps/web/index.ts"},
				Workers:      map[string]time.Duration{ws[0][0]: 0, ws[1][0]: 800 * time.Millisecond, ws[2][0]: 0},
				PathIncludes: map[string][]string{ws[2][0]: {"apps/api/*"}},
				Outcome:      map[string]string{ws[1][0]: tc.outcome}, Duration: 600 * time.Millisecond})
			// The checkout's HEAD, its branch and its origin remote name the push.
			code, out, errs := runCLIIn(t, dir, env, "watch", "--commit", "HEAD", "--every", "100ms", "--timeout", tc.timeout, "--json")
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s %s", code, tc.code, out, errs)
			}
			var last map[string]any
			statuses := 0
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if err := json.Unmarshal([]byte(line), &last); err != nil {
					t.Fatalf("not NDJSON: %q", line)
				}
				if last["event"] == "status" {
					statuses++
				}
			}
			if last["event"] != "end" || int(last["exit"].(float64)) != tc.code || statuses == 0 {
				t.Fatalf("events end with %v after %d status events", last, statuses)
			}
			// The path-filtered Worker is expected neither by the simulator
			// nor by the watcher (it has no path filter naming apps/web).
			if tc.code != 3 && !strings.Contains(last["summary"].(string), "expected 2 · started 2") {
				t.Fatalf("summary %q", last["summary"])
			}
			// The first failure's log tail comes as log events.
			if hasLog := strings.Contains(out, `"event":"log"`); hasLog != (tc.code == 1) {
				t.Fatalf("log events %v for exit %d:\n%s", hasLog, tc.code, out)
			}
		})
	}
}

func TestRepoOfRemote(t *testing.T) {
	t.Parallel()
	for remote, want := range map[string]string{
		"https://github.com/acme/docs-site.git": "acme/docs-site", "git@github.com:acme/docs-site.git": "acme/docs-site",
		"https://gitlab.com/group/app": "group/app", "ssh://git@github.com/acme/api/": "acme/api", "https://example.com/a/b": "",
	} {
		got, ok := repoOf(remote)
		if got != want || ok != (want != "") {
			t.Errorf("%s: %q %v, want %q", remote, got, ok, want)
		}
	}
}

// TestWatchOneBuildJSON: watch --json of one build writes status, log and
// end events, one JSON object a line.
func TestWatchOneBuildJSON(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1})
	id := s.Inject(sim.Spec{Lines: []string{"one", "two \x1b[31mred\x1b[0m"}, LineEvery: 100 * time.Millisecond, QueueFor: 100 * time.Millisecond, Outcome: "success"})
	code, out, errs := runCLI(t, env, "watch", "--json", id)
	kinds := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev["build_uuid"] != id {
			t.Fatalf("line %q: %v", line, err)
		}
		kinds[ev["event"].(string)]++
	}
	if code != 0 || kinds["log"] != 2 || kinds["end"] != 1 || kinds["status"] == 0 || strings.Contains(out, "\x1b") {
		t.Fatalf("exit %d, events %v: %s %s", code, kinds, out, errs)
	}
}

// TestLogsFailed: logs --failed says the failed phase, the first error and
// the last lines; watch of a failed build says the same.
func TestLogsFailed(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1})
	id := s.Inject(sim.Spec{Outcome: "fail", LineEvery: 10 * time.Millisecond, QueueFor: 10 * time.Millisecond,
		Lines: []string{"Installing project dependencies: npm clean-install", "npm ERR! code E404", "npm ERR! 404 Not Found", "Failed: error occurred while installing tools or dependencies"}})
	code, out, _ := runCLI(t, env, "watch", id) // waits for the end
	if code != 1 || !strings.Contains(out, "failed in install") {
		t.Fatalf("watch of a failed build: %d %q", code, out)
	}
	code, out, errs := runCLI(t, env, "logs", "--failed", id)
	if code != 1 || !strings.Contains(out, "the build failed in install") || !strings.Contains(out, "first error (line 2): npm ERR! code E404") {
		t.Fatalf("logs --failed: %d %q %q", code, out, errs)
	}
}

// logs --failed says how the build ended, whatever it was (#25.3): nothing
// failed (exit 0) for a success, a skip or a build still running; a
// terminated build timed out or was stopped; exit 1 when it did not succeed.
func TestLogsFailedSaysTheOutcome(t *testing.T) {
	t.Parallel()
	clock := simtest.NewManualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1, Clock: clock})
	type row struct {
		outcome string
		runFor  time.Duration
		code    int
		want    string
	}
	rows := []row{
		{"success", 0, 0, "the build succeeded: nothing failed"},
		{"skipped", 0, 0, "the build was skipped (nothing to build): nothing failed"},
		{"cancelled", 0, 1, "the build was cancelled"},
		{"terminated", 0, 1, "the build timed out or was stopped (terminated)"},
		{"success", time.Hour, 0, "the build is still running: nothing has failed yet"},
	}
	ids := make([]string, len(rows))
	for i, tc := range rows {
		ids[i] = s.Inject(sim.Spec{Outcome: tc.outcome, RunFor: tc.runFor, Lines: []string{"Cloning repository...", "done"}})
	}
	clock.Advance(time.Minute) // all but the last have ended, in the simulator's time
	for i, tc := range rows {
		code, out, errs := runCLI(t, env, "logs", "--failed", ids[i])
		if code != tc.code || !strings.HasPrefix(out, tc.want) || strings.Contains(out, "the build failed") {
			t.Errorf("%s: exit %d %q %q", tc.outcome, code, out, errs)
		}
	}
}

// logs --follow and watch say on stderr when each phase starts; stdout
// stays the log (or the states).
func TestPhaseLinesOnStderr(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 1, PushEvery: -1})
	lines := []string{"Initializing build environment...", "Cloning repository...", "done cloning",
		"Installing project dependencies: npm ci", "added 3 packages", "Executing user build command: npm run build", "built"}
	id := s.Inject(sim.Spec{Lines: lines, LineEvery: 50 * time.Millisecond, QueueFor: 50 * time.Millisecond, Outcome: "success"})
	code, out, errs := runCLI(t, env, "logs", id, "--follow")
	if code != 0 || out != strings.Join(lines, "\n")+"\n" {
		t.Fatalf("logs --follow: %d %q", code, out)
	}
	for _, want := range []string{"phase: clone\n", "phase: install (clone took ", "phase: build command (install took "} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	id = s.Inject(sim.Spec{Lines: lines, LineEvery: 50 * time.Millisecond, QueueFor: 50 * time.Millisecond})
	code, out, errs = runCLI(t, env, "watch", id)
	if code != 0 || strings.Contains(out, "phase:") || !strings.Contains(errs, "phase: build command") {
		t.Fatalf("watch: %d\nstdout %q\nstderr %q", code, out, errs)
	}
}

// diff of a failed build against the last success of its Worker and
// branch: the fields that differ, the first error, the log diff; --json
// parses; a lone build with no earlier success says what to do.
func TestDiffCommand(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 1, PushEvery: -1, History: 0})
	common := []string{"Cloning repository...", "Detected the following tools from environment: npm@10.8.2, nodejs@22.9.0",
		"Installing project dependencies: npm ci", "added 12 packages in 3s", "Executing user build command: npm run build"}
	good := s.Inject(sim.Spec{Branch: "release", Outcome: "success", QueueFor: 10 * time.Millisecond, LineEvery: 10 * time.Millisecond,
		Lines: append(append([]string{}, common...), "built in 4s", "Uploaded app (1.10 sec)")})
	if code, _, errs := runCLI(t, env, "watch", good); code != 0 {
		t.Fatalf("watch: %d %s", code, errs)
	}
	bad := s.Inject(sim.Spec{Branch: "release", Outcome: "fail", QueueFor: 10 * time.Millisecond, LineEvery: 10 * time.Millisecond,
		Lines: append(append([]string{}, common[:3]...), "npm ERR! code ERESOLVE", "Failed: error occurred while installing tools or dependencies")})
	runCLI(t, env, "watch", bad)
	code, out, errs := runCLI(t, env, "diff", bad)
	if code != 0 {
		t.Fatalf("diff: %d %s", code, errs)
	}
	// The build asked about is A; B defaults to the last success (#25.5).
	for _, want := range []string{"failed  " + bad, "succeeded  " + good, "* outcome          failed                       succeeded",
		"* first error      npm ERR! code ERESOLVE       -", "+ added 12 packages in 3s", "- npm ERR! code ERESOLVE", "phases B  queue"} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.SplitN(out, "\n", 3); len(lines) < 2 || !strings.HasPrefix(lines[0], "A ") || !strings.HasSuffix(lines[0], bad) || !strings.HasSuffix(lines[1], good) {
		t.Errorf("A is not the build asked about:\n%s", out)
	}
	code, out, _ = runCLI(t, env, "diff", good, bad, "--json")
	var j struct {
		A, B   string
		Fields []struct {
			Name string
			Same bool
		}
		LinesOnlyInB int `json:"lines_only_in_b"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &j) != nil || j.A != good || j.B != bad || j.LinesOnlyInB != 2 || len(j.Fields) == 0 {
		t.Fatalf("--json: %d %+v\n%s", code, j, out)
	}
	code, _, errs = runCLI(t, env, "diff", good)
	if code != 1 || !strings.Contains(errs, "no successful build of") || !strings.Contains(errs, "cfbuilds diff "+good+" OTHER_UUID") {
		t.Fatalf("no base: %d %q", code, errs)
	}
}

// serve's flags and start-up errors are usage errors with a way forward.
func TestServeUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--idle", "-1s"}, "--idle wants"},
		{[]string{"serve", "--max-sessions", "-2"}, "--max-sessions wants"},
		{[]string{"serve", "extra"}, "takes no arguments"},
		{[]string{"serve", "--demo", "--authorized-keys", "/nonexistent/keys"}, "--authorized-keys /nonexistent/keys"},
	} {
		code, _, errs := runCLI(t, map[string]string{"HOME": t.TempDir()}, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q", tc.args, code, errs)
		}
	}
}

// --profile with no configuration file says what to make, not "is not in
// (no config file) (it has: )" (#25.17).
func TestProfileWithoutConfigFile(t *testing.T) {
	t.Parallel()
	code, _, errs := runCLI(t, map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "CLOUDFLARE_API_TOKEN": "x", "CLOUDFLARE_ACCOUNT_ID": "a"}, "--profile", "work", "list")
	if code != 2 || !strings.Contains(errs, `profile "work" needs a configuration file with an [accounts.work] table`) || strings.Contains(errs, "it has: )") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// Under Cloudflare's 429 a command says so once, naming the rate limit,
// waits at the gate, and succeeds (#24).
func TestCommandWaitsOutA429(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 3, PushEvery: -1, History: 2, Seed: 2})
	s.Block(2 * time.Second)
	code, out, errs := runCLI(t, env, "list")
	if code != 0 || !strings.Contains(out, "STATE") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if n := strings.Count(errs, "rate limited by Cloudflare"); n != 1 {
		t.Fatalf("said %d times: %q", n, errs)
	}
	// The first answer was the 429; then one probe when the gate opened:
	// no request was sent in between.
	if got := s.Requests()["429"]; got > 1 {
		t.Fatalf("%d requests answered 429: the gate let more through", got)
	}
}

// The dashboard's own flag comes before any command name, as the README
// and --help show it (#25.2); given to another command it is refused by name.
func TestDashboardCommitFlag(t *testing.T) {
	t.Parallel()
	_, env := simEnvFor(t, sim.Options{Workers: 1, PushEvery: -1, Seed: 1})
	code, _, errs := runCLI(t, env, "--commit", "c0ffee1")
	if code != 2 || strings.Contains(errs, "not defined") || !strings.Contains(errs, "draws on a terminal") {
		t.Fatalf("cfbuilds --commit: exit %d %q", code, errs)
	}
	code, _, errs = runCLI(t, env, "--commit", "c0ffee1", "list")
	if code != 2 || !strings.Contains(errs, "--commit is the dashboard's flag") {
		t.Fatalf("cfbuilds --commit X list: exit %d %q", code, errs)
	}
	// The commit reaches the dashboard (#29.17): it was parsed, then reset
	// to its default by a second registration of the dashboard's flags.
	_, opts, err := parseArgs([]string{"--demo", "--commit", "c0ffee1"})
	if d, ok := opts.(*dashboardOptions); err != nil || !ok || d.commit != "c0ffee1" {
		t.Fatalf("parsed %+v %v", opts, err)
	}
}

// watch of a build that has already finished (#25.8): --json gives the log
// lines, then the stopped status, then the end; the text's times are the
// build's own, the clock the phase lines on stderr use, not this machine's.
func TestWatchAFinishedBuild(t *testing.T) {
	t.Parallel()
	base := time.Now().Add(-5 * time.Hour).Truncate(time.Second) // far from the wall clock
	clock := simtest.NewManualClock(base)
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1, Clock: clock})
	id := s.Inject(sim.Spec{Lines: []string{"Cloning repository...", "one", "two"}, Outcome: "success"})
	clock.Advance(time.Minute)
	code, out, errs := runCLI(t, env, "watch", "--json", id)
	var kinds []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		kind, _ := ev["event"].(string)
		if kind == "status" {
			kind += ":" + ev["status"].(string)
		}
		kinds = append(kinds, kind)
	}
	want := []string{"log", "log", "log", "status:stopped", "end"}
	if code != 0 || strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Fatalf("exit %d, events %v, want %v: %s", code, kinds, want, errs)
	}
	code, out, _ = runCLI(t, env, "watch", id)
	clockOf := map[string]bool{}
	for d := time.Duration(0); d <= time.Minute; d += time.Second {
		clockOf[base.Add(d).Local().Format("15:04:05")] = true
	}
	first, _, _ := strings.Cut(out, "  ")
	if code != 0 || !clockOf[first] {
		t.Fatalf("exit %d: the state line's time %q is not the build's (between %s and a minute later):\n%s", code, first, base.Local().Format("15:04:05"), out)
	}
}

// The texts a newcomer met (#25.17): cancel of a stopped build says how it
// ended, in a sentence; a long flag's help keeps to its column.
func TestNewcomerTexts(t *testing.T) {
	t.Parallel()
	clock := simtest.NewManualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s, env := simEnvFor(t, sim.Options{Workers: 1, PushEvery: -1, Clock: clock})
	done := s.Inject(sim.Spec{Outcome: "success", Lines: []string{"x"}})
	cancelled := s.Inject(sim.Spec{Outcome: "cancelled", Lines: []string{"x"}})
	clock.Advance(time.Minute)
	if _, _, errs := runCLI(t, env, "cancel", "--yes", done); !strings.Contains(errs, "build "+done+" already succeeded; only a queued or running build can be cancelled") {
		t.Errorf("cancel of a success: %q", errs)
	}
	if _, _, errs := runCLI(t, env, "cancel", "--yes", cancelled); !strings.Contains(errs, "was already cancelled;") {
		t.Errorf("cancel of a cancelled build: %q", errs)
	}
	_, out, _ := runCLI(t, env, "sim", "--help")
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  --read-only-token") && strings.Contains(line, "a token that may only read") {
			t.Errorf("a long flag's help runs into it: %q", line)
		}
	}
}

// list pads its columns by display width: a CJK commit message does not
// shift its row (#25.15).
func TestListColumnsByDisplayWidth(t *testing.T) {
	t.Parallel()
	clock := simtest.NewManualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1, History: 1, Clock: clock})
	s.Inject(sim.Spec{CommitMessage: "修正: ビルドの設定を更新", Lines: []string{"x"}})
	s.Inject(sim.Spec{CommitMessage: "plain ascii message", Lines: []string{"x"}})
	clock.Advance(time.Minute)
	code, out, errs := runCLI(t, env, "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	col := func(line string) int { return model.Width(line[:strings.Index(line, "2026-12-01")]) }
	want := col(lines[1])
	for _, l := range lines[1:] {
		if col(l) != want {
			t.Fatalf("the CREATED column starts at cell %d here and %d in the first row:\n%s", col(l), want, out)
		}
	}
}

// TestWatchAPushToAWorkerNeverBuilt (#29.1): four Workers of a monorepo,
// one connected but never built before, whose first build starts late and
// fails: its trigger makes it expected, and the watch exits 1, not 0 with
// "expected 3 · started 3".
func TestWatchAPushToAWorkerNeverBuilt(t *testing.T) {
	t.Parallel()
	probe := sim.New(sim.Options{Workers: 4, PushEvery: -1})
	newcomer := probe.Workers()[3][0]
	s, env := simEnvFor(t, sim.Options{Workers: 4, PushEvery: -1, History: 1, Seed: 3, NeverBuilt: []string{newcomer}})
	// With build events read (#30), from a queue every Worker sends to.
	s.SetupEvents(sim.DefaultQueue)
	env["CFBUILDS_EVENTS_QUEUE"] = sim.DefaultQueue
	ws := s.Workers()
	dir, sha := gitCheckout(t, "apps/web/index.ts")
	s.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha, Files: []string{"apps/web/index.ts"},
		Workers:  map[string]time.Duration{ws[0][0]: 0, ws[1][0]: 0, ws[2][0]: 0, newcomer: 700 * time.Millisecond},
		Outcome:  map[string]string{newcomer: "fail"},
		Duration: 400 * time.Millisecond})
	code, out, errs := runCLIIn(t, dir, env, "watch", "--commit", "HEAD", "--every", "100ms", "--timeout", "30s")
	if code != 1 || !strings.Contains(out, "expected 4 · started 4") || !strings.Contains(out, newcomer) {
		t.Fatalf("exit %d, want 1 with the newcomer expected:\n%s\n%s", code, out, errs)
	}
}

// TestOneWorkerGoneKeepsTheOthers (#29.6): a Worker deleted between the
// listing and the reading of its deployments (404, code 10007) is marked;
// live, live --json and list --json show every other Worker and exit 0.
func TestOneWorkerGoneKeepsTheOthers(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 4, PushEvery: -1, History: 3, Seed: 21})
	gone := s.Workers()[1][0]
	if err := s.DeleteMidRead(gone); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, env, "live")
	if code != 0 || !strings.Contains(out, gone+"  gone: deleted since it was listed") || strings.Count(out, "  deployed ") != 3 {
		t.Fatalf("live: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, env, "live", "--json")
	var items []struct {
		WorkerName string          `json:"worker_name"`
		Gone       bool            `json:"gone"`
		Deployment json.RawMessage `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(out), &items); code != 0 || err != nil || len(items) != 4 {
		t.Fatalf("live --json: exit %d %v\n%s%s", code, err, out, errs)
	}
	for _, it := range items {
		if (it.WorkerName == gone) != it.Gone || (!it.Gone && string(it.Deployment) == "null") {
			t.Fatalf("live --json: %+v", it)
		}
	}
	code, out, errs = runCLI(t, env, "list", "--json", "--limit", "20")
	if code != 0 || !strings.Contains(out, `"live_percentage": 100`) {
		t.Fatalf("list --json: exit %d\n%s%s", code, out, errs)
	}
}

// TestSmallAnswers (#29.24): an unknown --worker offers a few close names,
// not all 2,000; config says which file it looked for.
func TestSmallAnswers(t *testing.T) {
	t.Parallel()
	_, env := simEnvFor(t, sim.Options{Workers: 300, PushEvery: -1, History: -1})
	code, _, errs := runCLI(t, env, "list", "--worker", "worker-1000")
	if code != 2 || !strings.Contains(errs, `no Worker named "worker-1000" in this account of 300 Workers; did you mean`) || len(errs) > 400 {
		t.Fatalf("unknown worker: exit %d, %d bytes: %s", code, len(errs), errs)
	}
	env["HOME"] = t.TempDir()
	code, out, _ := runCLI(t, env, "config")
	if code != 0 || !strings.Contains(out, "config file: none (looked for "+filepath.Join(env["XDG_CONFIG_HOME"], "cfbuilds", "config.toml")) {
		t.Fatalf("config: %s", out)
	}
}

// parseArgs parses a command line as Run does, without running it.
func parseArgs(args []string) (command, options, error) {
	e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	return e.parse(args)
}
