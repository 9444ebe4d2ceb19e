package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
)

// TestListFiltersFieldsAndJQ (#37.8): list filters as gh run list does
// (--status, --branch, --commit, --author, --since), picks --json fields,
// and filters with --jq; a field or a state it does not know is refused
// with the ones it does.
func TestListFiltersFieldsAndJQ(t *testing.T) {
	t.Parallel()
	clock := simtest.NewManualClock(time.Now())
	s, env := simEnvFor(t, sim.Options{Workers: 6, PushEvery: -1, History: 5, Seed: 4, Clock: clock})
	ws := s.Workers()
	const sha = "feedface0123456789feedface0123456789feed"
	s.Push(sim.PushSpec{Repo: "acme/app", Branch: "release/x", Commit: sha, Workers: map[string]time.Duration{ws[0][0]: 0, ws[1][0]: 0},
		Outcome: map[string]string{ws[1][0]: "fail"}, Duration: time.Millisecond})
	clock.Advance(time.Second) // the pushed builds have stopped
	code, out, errs := runCLI(t, env, "list", "--commit", sha[:8], "--json", "worker,state,commit,branch")
	var items []map[string]any
	if err := json.Unmarshal([]byte(out), &items); code != 0 || err != nil || len(items) != 2 {
		t.Fatalf("--commit --json fields: %d %v\n%s%s", code, err, out, errs)
	}
	for _, it := range items {
		if it["commit"] != sha || it["branch"] != "release/x" || len(it) != 4 {
			t.Fatalf("item %v", it)
		}
	}
	code, out, errs = runCLI(t, env, "list", "--branch", "release/x", "--status", "failed", "--json", "--jq", ".[].worker_name")
	if code != 0 || strings.TrimSpace(out) != ws[1][0] {
		t.Fatalf("--status failed --jq: %d %q %s", code, out, errs)
	}
	code, out, _ = runCLI(t, env, "list", "--since", "1h", "--limit", "100")
	if code != 0 || strings.Count(out, "\n") < 3 || !strings.Contains(out, sha[:7]) {
		t.Fatalf("--since 1h: %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"--json", "worker,nope"}, {"--status", "broken"}, {"--commit", "zz"}, {"--jq", ".["}} {
		if code, _, errs := runCLI(t, env, append([]string{"list"}, bad...)...); code != 2 {
			t.Fatalf("%v: exit %d %s", bad, code, errs)
		}
	}
}
