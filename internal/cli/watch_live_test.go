package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
)

// liveRig is a monorepo of four Workers on the simulator, one never built
// before, one path-skipped, and a push of sha whose builds deploy as
// deploy says.
func liveRig(t *testing.T, deploy, outcome map[string]string) (*sim.Sim, map[string]string, [][2]string, string, string) {
	t.Helper()
	dir, sha := gitCheckout(t, "apps/web/index.ts")
	probe := sim.New(sim.Options{Workers: 5, PushEvery: -1})
	newcomer := probe.Workers()[3][0]
	s, env := simEnvFor(t, sim.Options{Workers: 5, PushEvery: -1, History: 1, Seed: 3, NeverBuilt: []string{newcomer}})
	ws := s.Workers()
	s.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha, Files: []string{"apps/web/index.ts"},
		Workers:      map[string]time.Duration{ws[0][0]: 0, ws[1][0]: 0, ws[2][0]: 0, newcomer: 300 * time.Millisecond, ws[4][0]: 0},
		PathIncludes: map[string][]string{ws[4][0]: {"docs/*"}},
		Deploy:       deploy, Outcome: outcome, Duration: 300 * time.Millisecond})
	return s, env, ws, dir, sha
}

// TestWatchLive (#31): each state and exit code of --live: every Worker
// live (0), one only uploaded or at 50% when 100 is asked (4 at the
// timeout; 0 at --live-percent 50 for the gradual one), a rollback after
// the deploy (4), a failure (1); the path-skipped Worker is listed, not
// waited for; --json events carry the deployment state.
func TestWatchLive(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		deploy, outcome func(ws [][2]string) map[string]string
		args            []string
		code            int
		want            string
	}{
		{"all live", nil, nil, nil, 0, "4/4 Workers live"},
		{"uploaded only", func(ws [][2]string) map[string]string { return map[string]string{ws[1][0]: "upload"} }, nil, nil, 4, "uploaded, not deployed"},
		{"gradual", func(ws [][2]string) map[string]string { return map[string]string{ws[2][0]: "gradual:50"} }, nil, nil, 4, " 50%"},
		{"gradual at 50", func(ws [][2]string) map[string]string { return map[string]string{ws[2][0]: "gradual:50"} }, nil, []string{"--live-percent", "50"}, 0, "4/4 Workers live"},
		{"rolled back", func(ws [][2]string) map[string]string { return map[string]string{ws[0][0]: "rollback"} }, nil, nil, 4, "rolled back"},
		{"failed", nil, func(ws [][2]string) map[string]string { return map[string]string{ws[1][0]: "fail"} }, nil, 1, "failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			probe := sim.New(sim.Options{Workers: 5, PushEvery: -1}).Workers()
			var deploy, outcome map[string]string
			if tc.deploy != nil {
				deploy = tc.deploy(probe)
			}
			if tc.outcome != nil {
				outcome = tc.outcome(probe)
			}
			_, env, ws, dir, _ := liveRig(t, deploy, outcome)
			args := append([]string{"watch", "--commit", "HEAD", "--live", "--every", "100ms", "--timeout", "2500ms"}, tc.args...)
			code, out, errs := runCLIIn(t, dir, env, args...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", code, tc.code, tc.want, out, errs)
			}
			if strings.Contains(out, ws[4][0]+" ") && !strings.Contains(out, "not matched by its path filter") {
				t.Fatalf("the path-skipped Worker is not said as skipped:\n%s", out)
			}
		})
	}
	_, env, _, dir, _ := liveRig(t, nil, nil)
	code, out, _ := runCLIIn(t, dir, env, "watch", "--commit", "HEAD", "--live", "--every", "100ms", "--timeout", "6s", "--json")
	live := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not NDJSON: %q", line)
		}
		if ev["deployment"] == "live" && ev["live_percent"] == float64(100) {
			live++
		}
	}
	if code != 0 || live != 4 {
		t.Fatalf("--json: exit %d, %d live events:\n%s", code, live, out)
	}
}

// TestWatchStatus (#31): one commit status for the push: pending first,
// then one final, one context; a wrong token is said and the watch's exit
// code stands; GITHUB_SHA and GITHUB_REPOSITORY stand for the flags in
// Actions; plain http to another machine is refused.
func TestWatchStatus(t *testing.T) {
	t.Parallel()
	probe := sim.New(sim.Options{Workers: 5, PushEvery: -1}).Workers()
	s, env, _, dir, sha := liveRig(t, map[string]string{probe[2][0]: "gradual:50"}, nil)
	env["GITHUB_API_URL"] = strings.TrimSuffix(env["CLOUDFLARE_API_BASE_URL"], "/client/v4") + "/github"
	env["GITHUB_TOKEN"], env["GITHUB_ACTIONS"] = sim.ForgeToken, "true"
	env["GITHUB_SHA"], env["GITHUB_REPOSITORY"] = sha, "acme/monorepo"
	code, out, errs := runCLIIn(t, dir, env, "watch", "--live", "--status", "github", "--branch", "main", "--every", "100ms", "--timeout", "2500ms")
	sts := s.Forge.Statuses()
	if code != 4 || len(sts) < 2 || sts[0].State != "pending" || sts[len(sts)-1].State != "failure" {
		t.Fatalf("exit %d, statuses %+v\n%s%s", code, sts, out, errs)
	}
	for i, st := range sts {
		if st.Context != "cfbuilds" || st.SHA != sha || st.Repo != "acme/monorepo" || (i > 0 && i < len(sts)-1 && st.State != "pending") {
			t.Fatalf("status %d: %+v", i, st)
		}
	}
	last := sts[len(sts)-1]
	if !strings.Contains(last.Description, "3/4 Workers live") || !strings.Contains(last.Description, "50%") || !strings.Contains(last.TargetURL, "https://dash.cloudflare.com/") {
		t.Fatalf("final status %+v", last)
	}
	if len(sts) > 3 {
		t.Fatalf("%d posts in 4 s: at most pending, final and a progress post every 30 s", len(sts))
	}
	env["GITHUB_TOKEN"] = "wrong"
	code, _, errs = runCLIIn(t, dir, env, "watch", "--live", "--live-percent", "50", "--status", "github", "--branch", "main", "--every", "100ms", "--timeout", "2500ms")
	if code != 0 || !strings.Contains(errs, "refused the token (HTTP 401): check GITHUB_TOKEN") || strings.Count(errs, "HTTP 401") != 2 || !strings.Contains(errs, "was NOT posted") {
		t.Fatalf("wrong token: exit %d %s", code, errs)
	}
	env["GITHUB_API_URL"] = "http://example.com"
	if code, _, errs := runCLI(t, env, "watch", "--live", "--status", "github"); code != 2 || !strings.Contains(errs, "clear text") {
		t.Fatalf("plain http: %d %s", code, errs)
	}
}
