package sim

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
)

// TestPushedFailuresFailInTheirPhase (#37.12): a pushed build marked to
// fail logs its phase's first error and never "Success: Build command
// completed" for a build that failed building.
func TestPushedFailuresFailInTheirPhase(t *testing.T) {
	t.Parallel()
	clock := simtest.NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	s := New(Options{Workers: 4, PushEvery: -1, History: 1, Seed: 2, Clock: clock})
	ws := s.Workers()
	ids := s.Push(PushSpec{Repo: "acme/app", Branch: "main", Commit: strings.Repeat("e", 40), Duration: time.Millisecond,
		Workers: map[string]time.Duration{ws[0][0]: 0, ws[1][0]: 0, ws[2][0]: 0, ws[3][0]: 0},
		Outcome: map[string]string{ws[0][0]: "fail", ws[1][0]: "fail:install", ws[2][0]: "fail:deploy"}})
	clock.Advance(time.Minute) // every build has ended
	for name, want := range map[string]string{
		ws[0][0]: `✘ [ERROR] Could not resolve`, ws[1][0]: "npm ERR! code ERESOLVE",
		ws[2][0]: "A request to the Cloudflare API failed", ws[3][0]: "Current Version ID:",
	} {
		lines, err := s.LogText(ids[name])
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(lines, "\n")
		if !strings.Contains(text, want) || name == ws[0][0] && strings.Contains(text, "Success: Build command completed") {
			t.Fatalf("%s's log:\n%s\nwant %q", name, text, want)
		}
	}
}

// TestABuildOfABranchThatIsNotThereFails (#37.12): a manual build of a
// branch the repository does not have is taken, and fails cloning.
func TestABuildOfABranchThatIsNotThereFails(t *testing.T) {
	t.Parallel()
	clock := simtest.NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	s := New(Options{Workers: 2, PushEvery: -1, History: 2, Seed: 2, Clock: clock})
	var trigger string
	s.mu.Lock()
	trigger = s.workers[0].triggers[0].uuid
	s.mu.Unlock()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/client/v4/accounts/"+s.AccountID()+"/builds/triggers/"+trigger+"/builds", strings.NewReader(`{"branch":"no-such-branch"}`))
	req.Header.Set("Authorization", "Bearer "+s.Token())
	s.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("the request: %d %s", rec.Code, rec.Body)
	}
	clock.Advance(time.Minute)
	for _, b := range s.Builds() {
		if b.Branch == "no-such-branch" {
			lines, _ := s.LogText(b.UUID)
			if b.Outcome != "fail" || !strings.Contains(strings.Join(lines, "\n"), "couldn't find remote ref") {
				t.Fatalf("outcome %q, log %q", b.Outcome, lines)
			}
			return
		}
	}
	t.Fatal("no build of the branch")
}
