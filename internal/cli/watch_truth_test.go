package cli

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
)

// The watch never passes without evidence (#35), on the simulator: nothing
// expected is exit 5 with its reason and an error status, and a build that
// starts late is still found; a Worker seen live is read again before the
// verdict; an event the API does not confirm decides nothing; a status
// that was not posted is never said to be.

// truthRig is three Workers on the simulator and their names; the push is
// made by each test.
func truthRig(t *testing.T, o sim.Options) (*sim.Sim, map[string]string, []string) {
	t.Helper()
	o.Workers, o.PushEvery, o.History, o.Seed = 3, -1, 1, 5
	s, env := simEnvFor(t, o)
	env["XDG_CACHE_HOME"] = t.TempDir()
	var names []string
	for _, w := range s.Workers() {
		names = append(names, w[0])
	}
	return s, env, names
}

func TestWatchNothingExpectedIsNeverAPass(t *testing.T) {
	t.Parallel()
	const sha = "c0ffee2c0ffee2c0ffee2c0ffee2c0ffee2c0ffe"
	t.Run("a mistyped repository, the build not started: exit 5, an error status", func(t *testing.T) {
		t.Parallel()
		s, env, ws := truthRig(t, sim.Options{})
		// The Workers are connected to acme/billing-api; the build of the
		// commit starts long after the watch's timeout.
		s.Push(sim.PushSpec{Repo: "acme/billing-api", Branch: "main", Commit: sha, Workers: map[string]time.Duration{ws[0]: time.Hour}, Duration: time.Second})
		env["GITHUB_API_URL"] = strings.TrimSuffix(env["CLOUDFLARE_API_BASE_URL"], "/client/v4") + "/github"
		env["GITHUB_TOKEN"] = sim.ForgeToken
		code, out, errs := runCLI(t, env, "watch", "--commit", sha, "--repo", "acme/biling-api", "--branch", "main",
			"--status", "github", "--every", "100ms", "--timeout", "1s")
		if code != exitNothing || !strings.Contains(out, "no Worker builds the repository acme/biling-api (did you mean acme/billing-api?)") {
			t.Fatalf("exit %d, want %d with a did-you-mean:\n%s%s", code, exitNothing, out, errs)
		}
		sts := s.Forge.Statuses()
		last := sts[len(sts)-1]
		if last.State != "error" || !strings.Contains(last.Description, "nothing builds it: no Worker builds the repository") {
			t.Fatalf("final status %+v", last)
		}
		for _, st := range sts {
			if st.State == "success" {
				t.Fatalf("a success was posted: %+v", sts)
			}
		}
	})
	t.Run("no trigger takes the branch, and nothing builds: exit 5 saying so", func(t *testing.T) {
		t.Parallel()
		s, env, ws := truthRig(t, sim.Options{})
		// The second Worker's one trigger takes main only.
		s.Push(sim.PushSpec{Repo: "acme/billing-api", Branch: "main", Commit: "beef000beef000", Workers: map[string]time.Duration{ws[1]: 0}, Duration: 100 * time.Millisecond})
		code, out, errs := runCLI(t, env, "watch", "--commit", sha, "--repo", "acme/billing-api", "--branch", "no-such-branch", "--every", "100ms", "--timeout", "800ms")
		if code != exitNothing || !strings.Contains(out, "takes the branch no-such-branch") {
			t.Fatalf("exit %d:\n%s%s", code, out, errs)
		}
	})
	t.Run("the build starts late: found and followed before the timeout", func(t *testing.T) {
		t.Parallel()
		s, env, ws := truthRig(t, sim.Options{})
		s.Push(sim.PushSpec{Repo: "acme/billing-api", Branch: "main", Commit: sha, Workers: map[string]time.Duration{ws[1]: 700 * time.Millisecond},
			Outcome: map[string]string{ws[1]: "fail"}, Duration: 200 * time.Millisecond})
		code, out, errs := runCLI(t, env, "watch", "--commit", sha, "--repo", "acme/biling-api", "--every", "100ms", "--timeout", "20s")
		if code != 1 || !strings.Contains(out, ws[1]) || !strings.Contains(out, "Nothing is expected yet") {
			t.Fatalf("exit %d, want 1 (its build failed):\n%s%s", code, out, errs)
		}
	})
}

// TestWatchLiveIsReadAgain: a Worker live early, then rolled back while
// another still builds, is not live at the verdict (4); one whose newer
// push of the branch serves is superseded: done, and named (0).
func TestWatchLiveIsReadAgain(t *testing.T) {
	t.Parallel()
	dir, sha := gitCheckout(t, "apps/web/index.ts")
	t.Run("rolled back after it was live", func(t *testing.T) {
		t.Parallel()
		s, env, ws := truthRig(t, sim.Options{})
		old := s.Deploy(sim.DeploySpec{Worker: ws[0], Versions: []sim.DeployVersion{{Percentage: 100}}})
		s.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha,
			Workers:  map[string]time.Duration{ws[0]: 0, ws[1]: 1200 * time.Millisecond},
			Deploy:   map[string]string{ws[0]: "rollback-after:300ms"},
			Duration: 300 * time.Millisecond})
		code, out, errs := runCLIIn(t, dir, env, "watch", "--commit", "HEAD", "--live", "--every", "100ms", "--timeout", "2500ms")
		if code != exitNotLive || !strings.Contains(out, ws[0]+" uploaded, rolled back to version "+old[0][:8]) || !strings.Contains(out, "1/2 Workers live") {
			t.Fatalf("exit %d, want %d with the rollback named:\n%s%s", code, exitNotLive, out, errs)
		}
	})
	t.Run("superseded by a newer push of the branch", func(t *testing.T) {
		t.Parallel()
		s, env, ws := truthRig(t, sim.Options{})
		s.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha,
			Workers: map[string]time.Duration{ws[0]: 0, ws[1]: 1200 * time.Millisecond}, Duration: 300 * time.Millisecond})
		s.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: "1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b",
			Workers: map[string]time.Duration{ws[0]: 400 * time.Millisecond}, Duration: 300 * time.Millisecond})
		code, out, errs := runCLIIn(t, dir, env, "watch", "--commit", "HEAD", "--live", "--every", "100ms", "--timeout", "20s")
		if code != 0 || !strings.Contains(out, "1/2 Workers live, 1 superseded by 1a2b3c4 ("+ws[0]+")") {
			t.Fatalf("exit %d, want 0 with the Worker superseded:\n%s%s", code, out, errs)
		}
	})
	t.Run("a Worker deleted mid-watch is gone, the others judged", func(t *testing.T) {
		t.Parallel()
		s, env, ws := truthRig(t, sim.Options{})
		s.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha,
			Workers: map[string]time.Duration{ws[0]: 0, ws[1]: 0}, Duration: 200 * time.Millisecond})
		if err := s.DeleteMidRead(ws[1]); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCLIIn(t, dir, env, "watch", "--commit", "HEAD", "--live", "--every", "100ms", "--timeout", "20s")
		if code != exitNotLive || !strings.Contains(out, "1/2 Workers live: "+ws[1]+" gone (deleted)") {
			t.Fatalf("exit %d, want %d with a summary:\n%s%s", code, exitNotLive, out, errs)
		}
	})
}

// TestWatchEventsAreConfirmed: a forged "succeeded" for a build that then
// fails, and an event of a build the API does not know: the API decides.
func TestWatchEventsAreConfirmed(t *testing.T) {
	t.Parallel()
	const sha = "abcdef1abcdef1abcdef1abcdef1abcdef1abcde"
	s, env, ws := truthRig(t, sim.Options{})
	s.SetupEvents("cfbuilds-events")
	env["CFBUILDS_EVENTS_QUEUE"] = "cfbuilds-events"
	uuids := s.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha, Workers: map[string]time.Duration{ws[0]: 0},
		Outcome: map[string]string{ws[0]: "fail"}, Duration: 1500 * time.Millisecond})
	for _, f := range []sim.ForgedEvent{
		{Queue: "cfbuilds-events", Worker: ws[0], BuildUUID: uuids[ws[0]], Commit: sha, Kind: "succeeded"},
		{Queue: "cfbuilds-events", Worker: ws[2], BuildUUID: "0badbeef-0000-4000-8000-000000000000", Commit: sha, Kind: "succeeded"},
	} {
		if !s.ForgeEvent(f) {
			t.Fatalf("could not forge %+v", f)
		}
	}
	code, out, errs := runCLI(t, env, "watch", "--commit", sha, "--repo", "acme/monorepo", "--branch", "main", "--every", "100ms", "--timeout", "20s")
	if code != 1 || !strings.Contains(errs, "which the API does not know") || strings.Contains(out, ws[2]) {
		t.Fatalf("exit %d, want 1 (the API's failure), the unknown build dropped:\n%s%s", code, out, errs)
	}
}

// TestFinalStatusIsPostedOrSaid: a 500 on the final post is tried again
// and lands; a redirect is never followed and is said, never "posted".
func TestFinalStatusIsPostedOrSaid(t *testing.T) {
	t.Parallel()
	dir, sha := gitCheckout(t, "apps/web/index.ts")
	for _, tc := range []struct {
		name     string
		status   int
		location string
		posted   bool
		says     string
	}{
		{"a 500, then taken", http.StatusInternalServerError, "", true, "posted commit status success"},
		{"a 302 elsewhere", http.StatusFound, "http://127.0.0.1:9/steal?token=x", false, "answered a redirect (HTTP 302 to http://127.0.0.1:9/steal)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, env, ws := truthRig(t, sim.Options{})
			s.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha, Workers: map[string]time.Duration{ws[0]: 0}, Duration: 200 * time.Millisecond})
			env["GITHUB_API_URL"] = strings.TrimSuffix(env["CLOUDFLARE_API_BASE_URL"], "/client/v4") + "/github"
			env["GITHUB_TOKEN"] = sim.ForgeToken
			// The pending post lands; the final one meets the fault.
			s.Forge.FailAfter(1, 1, tc.status, tc.location)
			code, out, errs := runCLIIn(t, dir, env, "watch", "--commit", "HEAD", "--status", "github", "--every", "100ms", "--timeout", "20s")
			sts := s.Forge.Statuses()
			last := sts[len(sts)-1]
			if code != 0 || !strings.Contains(errs, tc.says) || (last.State == "success") != tc.posted {
				t.Fatalf("exit %d, last status %+v:\n%s%s", code, last, out, errs)
			}
			if !tc.posted && (strings.Contains(errs, "posted commit status") || !strings.Contains(errs, "was NOT posted")) {
				t.Fatalf("a redirect said as posted:\n%s", errs)
			}
		})
	}
}

// TestDetachedHeadIsNoBranch: CI checks out a detached HEAD. The branch
// comes from the CI's environment, else it is any branch, never "HEAD".
func TestDetachedHeadIsNoBranch(t *testing.T) {
	t.Parallel()
	dir, sha := gitCheckout(t, "apps/web/index.ts")
	cmd := exec.Command("git", "checkout", "-q", "--detach", "HEAD")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git checkout --detach: %v %s", err, out)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		on   string
	}{
		{"no CI: any branch", nil, "on any branch"},
		{"GitLab", map[string]string{"CI_COMMIT_BRANCH": "main"}, "on main"},
		{"GitLab merge request", map[string]string{"CI_COMMIT_REF_NAME": "main"}, "on main"},
		{"GitHub pull request", map[string]string{"GITHUB_HEAD_REF": "main", "GITHUB_REF_NAME": "12/merge"}, "on main"},
		{"GitHub push", map[string]string{"GITHUB_REF_NAME": "main"}, "on main"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, env, ws := truthRig(t, sim.Options{})
			// The second Worker's one trigger takes main only: planned
			// for "HEAD" it would be expected by nothing.
			s.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha, Workers: map[string]time.Duration{ws[1]: 300 * time.Millisecond}, Duration: 200 * time.Millisecond})
			for k, v := range tc.env {
				env[k] = v
			}
			code, out, errs := runCLIIn(t, dir, env, "watch", "--commit", "HEAD", "--every", "100ms", "--timeout", "20s")
			if code != 0 || !strings.Contains(out, tc.on) || strings.Contains(out, " on HEAD") || !strings.Contains(out, "expected 1 · started 1") {
				t.Fatalf("exit %d, want 0 %s:\n%s%s", code, tc.on, out, errs)
			}
		})
	}
}

// TestWatchKeepsItsBoundAt2000Workers (#36.4): 2,000 Workers, all but 23
// never built, no event queue. The watch does not read 1,977 Workers'
// triggers before its deadline starts: it says their cost, posts pending
// at once, follows the commit's builds from the first round, and ends at
// its timeout (exit 3 here: one build runs on) with what it knows.
func TestWatchKeepsItsBoundAt2000Workers(t *testing.T) {
	t.Parallel()
	setupStart := time.Now()
	probe := sim.New(sim.Options{Workers: 2000, PushEvery: -1}).Workers()
	var never []string
	for _, w := range probe[23:] {
		never = append(never, w[0])
	}
	s, env := simEnvFor(t, sim.Options{Workers: 2000, PushEvery: -1, History: 1, Seed: 5, NeverBuilt: never, Quota: 1 << 30})
	env["XDG_CACHE_HOME"] = t.TempDir()
	const sha = "c0ffee2c0ffee2c0ffee2c0ffee2c0ffee2c0ffe"
	s.Push(sim.PushSpec{Repo: "acme/billing-api", Branch: "main", Commit: sha,
		Workers: map[string]time.Duration{probe[0][0]: 0, probe[1][0]: 0}, Outcome: map[string]string{probe[1][0]: "fail"},
		Duration: time.Hour})
	env["GITHUB_API_URL"] = strings.TrimSuffix(env["CLOUDFLARE_API_BASE_URL"], "/client/v4") + "/github"
	env["GITHUB_TOKEN"] = sim.ForgeToken
	start := time.Now()
	code, out, errs := runCLI(t, env, "watch", "--commit", sha, "--repo", "acme/billing-api", "--branch", "main",
		"--status", "github", "--every", "500ms", "--timeout", "8s")
	t.Logf("the watch took %s; setup before it %s; %v\n%s%s", time.Since(start), start.Sub(setupStart), s.Requests(), out, errs)
	if code != exitTimedOut || !strings.Contains(out, "Workers have no build yet: reading their triggers costs") ||
		!strings.Contains(out, "Timed out after 8s") || !strings.Contains(out, "not checked yet") {
		t.Fatalf("exit %d, want %d with the cost said and what was not checked:\n%s%s", code, exitTimedOut, out, errs)
	}
	if n := s.Requests()["triggers"]; n > 1000 {
		t.Fatalf("%d trigger reads in an 8-s watch", n)
	}
	sts := s.Forge.Statuses()
	if len(sts) < 2 || sts[0].State != "pending" || sts[len(sts)-1].State != "failure" {
		t.Fatalf("statuses %+v", sts)
	}
}
