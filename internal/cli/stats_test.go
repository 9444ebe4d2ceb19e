package cli

import (
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
	"github.com/cfbuilds/cfbuilds/model"
)

// TestStats (#32): the first run fills the history and answers; a second
// on 23 Workers costs at most 5 requests; with the API gone it answers
// from the history, "as of", exit 0; --no-history is refused plainly.
func TestStats(t *testing.T) {
	t.Parallel()
	clock := simtest.NewManualClock(time.Now().Add(-time.Hour))
	s := sim.New(sim.Options{Workers: 23, PushEvery: -1, History: 6, Seed: 12, Clock: clock})
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CLOUDFLARE_API_BASE_URL": sv.URL, "CLOUDFLARE_ACCOUNT_ID": s.AccountID(), "CLOUDFLARE_API_TOKEN": s.Token(),
		"XDG_CONFIG_HOME": t.TempDir(), "XDG_STATE_HOME": t.TempDir()}
	code, out, errs := runCLI(t, env, "stats", "--since", "0", "--json")
	var rep model.StatsReport
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || len(rep.Workers) != 23 || rep.Minutes.Included != 3000 {
		t.Fatalf("first stats: exit %d %v\n%s%s", code, err, out, errs)
	}
	total := 0
	for _, w := range rep.Workers {
		total += w.Builds
	}
	if total != len(s.Builds()) {
		t.Fatalf("%d builds counted, the account has %d", total, len(s.Builds()))
	}
	before := s.Requests()["total"]
	code, out, _ = runCLI(t, env, "stats", "--since", "0")
	if spent := s.Requests()["total"] - before; code != 0 || spent > 5 || !strings.Contains(out, "P95") || !strings.Contains(out, "build minutes in") {
		t.Fatalf("second stats: exit %d, %d requests\n%s", code, spent, out)
	}
	_ = sv.Close()
	code, out, errs = runCLI(t, env, "stats", "--since", "0")
	if code != 0 || !strings.Contains(out, "the API could not be reached: figures from the history, as of") || !strings.Contains(out, "WORKER") {
		t.Fatalf("offline: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, env, "--no-history", "stats"); code != 1 || !strings.Contains(errs, "history is off") {
		t.Fatalf("--no-history: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, env, "stats", "--since", "soon"); code != 2 || !strings.Contains(errs, "--since") {
		t.Fatalf("bad --since: %d %s", code, errs)
	}
}

// TestStatsSaysTheRealReason (#37.1): a mistyped --worker is exit 2 with
// the names it may have meant, never "the API is not answering"; with no
// history and no API, it says there is no history yet, never "0 builds".
func TestStatsSaysTheRealReason(t *testing.T) {
	t.Parallel()
	s, env := simEnvFor(t, sim.Options{Workers: 3, PushEvery: -1, History: 2})
	env["XDG_STATE_HOME"] = t.TempDir()
	name := s.Workers()[0][0]
	code, out, errs := runCLI(t, env, "stats", "--worker", name[:len(name)-1], "--json")
	if code != 2 || !strings.Contains(errs, "did you mean "+name) || strings.Contains(out+errs, "not answering") || strings.Contains(out, "as_of") {
		t.Fatalf("a typo: exit %d\n%s%s", code, out, errs)
	}
	env["CLOUDFLARE_API_BASE_URL"] = "http://127.0.0.1:1/client/v4"
	env["XDG_STATE_HOME"] = t.TempDir()
	code, out, errs = runCLI(t, env, "stats")
	if code != 1 || !strings.Contains(errs, "no build history yet") || strings.Contains(out, "0 builds") {
		t.Fatalf("no history, no API: exit %d\n%s%s", code, out, errs)
	}
}

// TestFlagsThatAreNoNumbers (#37.11): NaN is no share of traffic nor a
// number of days; 0d is all kept, as 0 is.
func TestFlagsThatAreNoNumbers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"watch", "--commit", "HEAD", "--live", "--live-percent", "NaN"}, 2},
		{[]string{"stats", "--since", "NaNd"}, 2},
		{[]string{"stats", "--since", "Infd"}, 2},
		{[]string{"stats", "--since", "-1d"}, 2},
	} {
		if code, _, errs := runCLI(t, map[string]string{"XDG_CONFIG_HOME": t.TempDir()}, tc.args...); code != tc.code {
			t.Errorf("%v: exit %d, want %d: %s", tc.args, code, tc.code, errs)
		}
	}
	o := &statsOptions{since: "0d"}
	if err := o.validate(nil); err != nil || o.since != "0" {
		t.Fatalf("--since 0d: %v, %q", err, o.since)
	}
}

// TestVersionSaysTheBuild (#37.5): --version names the module version,
// the commit and the Go that built it, from the build's own record.
func TestVersionSaysTheBuild(t *testing.T) {
	t.Parallel()
	info := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}, true
	}
	if got := describeBuild("dev", info); got != "v1.4.0 (commit 0123456789ab, with local changes, go1.26.0)" {
		t.Fatalf("%q", got)
	}
	if got := describeBuild("v2.0.0", info); !strings.HasPrefix(got, "v2.0.0 (commit") {
		t.Fatalf("a version set at build time: %q", got)
	}
	code, out, _ := runCLI(t, map[string]string{"XDG_CONFIG_HOME": t.TempDir()}, "--version")
	if code != 0 || !strings.HasPrefix(out, "cfbuilds ") || !strings.Contains(out, "go1.") {
		t.Fatalf("--version: %d %q", code, out)
	}
}
