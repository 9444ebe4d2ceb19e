package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
)

// doctorSim is a quiet simulated account on a manual clock: no pushes, so
// no random failure of main decides the verdict.
func doctorSim(t *testing.T, workers int) (*sim.Sim, map[string]string) {
	t.Helper()
	clock := simtest.NewManualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s, env := simEnvFor(t, sim.Options{Workers: workers, PushEvery: -1, History: 2, Seed: 5, Clock: clock})
	clock.Advance(time.Hour)
	return s, env
}

// Against an account with a rolled build token, a Pages deploy command and
// a production trigger that filters out main, doctor names the three
// Workers with their fix and exits 1; it never writes (#23).
func TestDoctorFindsTheProblems(t *testing.T) {
	t.Parallel()
	s, env := doctorSim(t, 6)
	for w, p := range map[string]string{"api-gateway": sim.ProblemToken, "auth-service": sim.ProblemPages, "webhooks": sim.ProblemBranch} {
		if err := s.Break(w, p); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := runCLI(t, env, "doctor")
	if code != 1 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	for _, want := range []string{
		"✗ api-gateway: build token: build token rolled or deleted", "fix: choose a new build token",
		"✗ auth-service: deploy command:", "pages deploy", "✗ webhooks: production branch:", "fix: remove main from the trigger's branch excludes",
		"✓ API token", "✓ build minutes", "3 to look at.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor lacks %q:\n%s", want, out)
		}
	}
	for _, write := range []string{"manual", "cancel", "purge"} {
		if n := s.Requests()[write]; n != 0 {
			t.Errorf("%d %s requests: doctor must only read", n, write)
		}
	}
	code, out, _ = runCLI(t, env, "doctor", "--json", "--worker", "auth-service")
	var checks []struct{ Worker, Check, Status, Message, Fix string }
	if code != 1 || json.Unmarshal([]byte(out), &checks) != nil || len(checks) == 0 {
		t.Fatalf("--json: %d %s", code, out)
	}
	for _, c := range checks {
		if c.Worker != "" && c.Worker != "auth-service" {
			t.Errorf("--worker auth-service checked %s", c.Worker)
		}
	}
}

// A healthy account passes (exit 0); used-up build minutes, a wrangler
// configuration naming another Worker, and a refused token are each found.
func TestDoctorHealthyAndOtherProblems(t *testing.T) {
	t.Parallel()
	s, env := doctorSim(t, 4)
	if code, out, errs := runCLI(t, env, "doctor"); code != 0 || !strings.Contains(out, "All checks pass.") {
		t.Fatalf("healthy: exit %d\n%s%s", code, out, errs)
	}
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "wrangler.jsonc"), []byte("{\n  // the app\n  \"name\": \"api-gatway\",\n  \"account_id\": \""+s.AccountID()+"\",\n}\n"), 0o600)
	s.SetBuildMinutesReached(true)
	code, out, _ := runCLI(t, env, "doctor", "--dir", dir)
	if code != 1 || !strings.Contains(out, "✗ build minutes") || !strings.Contains(out, `names the Worker "api-gatway", and the account has no Worker of that name`) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	bad := map[string]string{}
	for k, v := range env {
		bad[k] = v
	}
	bad["CLOUDFLARE_API_TOKEN"] = "not-a-token"
	if code, out, _ := runCLI(t, bad, "doctor"); code != 1 || !strings.Contains(out, "✗ API token") {
		t.Fatalf("refused token: exit %d\n%s", code, out)
	}
	bad["CLOUDFLARE_API_BASE_URL"] = "http://127.0.0.1:1/client/v4"
	if code, _, errs := runCLI(t, bad, "doctor"); code != 3 || !strings.Contains(errs, "could not check") {
		t.Fatalf("no API: exit %d %s", code, errs)
	}
	if code, _, _ := runCLI(t, env, "doctor", "extra"); code != 2 {
		t.Fatalf("usage: exit %d", code)
	}
	if code, _, errs := runCLI(t, env, "doctor", "--dir", ""); code != 2 || !strings.Contains(errs, "--dir wants a directory") {
		t.Fatalf("--dir '': exit %d %s", code, errs)
	}
}

// TestDoctorTokensAndBranches (#29.4, 5): an Account API token is verified
// at the account and the rest is checked; a verify endpoint that is down
// leaves that check not done and never exits 3 with an account hint; the
// legacy key pair skips verify; a production branch of master is no
// failure; a Worker never built says so instead of passing.
func TestDoctorTokensAndBranches(t *testing.T) {
	t.Parallel()
	clock := simtest.NewManualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s, env := simEnvFor(t, sim.Options{Workers: 4, PushEvery: -1, History: 2, Seed: 5, Clock: clock, NeverBuilt: []string{"image-resizer"}})
	clock.Advance(time.Hour)
	with := func(k, v string) map[string]string {
		out := map[string]string{}
		for a, b := range env {
			out[a] = b
		}
		out[k] = v
		return out
	}
	if err := s.SetProductionBranch("api-gateway", "master"); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, with("CLOUDFLARE_API_TOKEN", sim.DefaultAccountToken), "doctor")
	if code != 0 || !strings.Contains(out, "✓ API token: an Account API token") || !strings.Contains(out, "✓ Builds API") ||
		!strings.Contains(out, "- image-resizer: builds: never built") || !strings.Contains(out, "not checked") || strings.Contains(out, "production branch") {
		t.Fatalf("account token: exit %d\n%s%s", code, out, errs)
	}
	for _, down := range []int{404, 503} {
		s.SetVerifyDown(down)
		code, out, errs = runCLI(t, env, "doctor")
		if code != 0 || !strings.Contains(out, "- API token: not checked") || !strings.Contains(out, "✓ Builds API") || strings.Contains(out+errs, "account id") {
			t.Fatalf("verify answering %d: exit %d\n%s%s", down, code, out, errs)
		}
	}
	s.SetVerifyDown(0)
	legacy := with("CLOUDFLARE_API_TOKEN", "")
	legacy["CLOUDFLARE_EMAIL"], legacy["CLOUDFLARE_API_KEY"] = "ops@acme.dev", s.Token()
	before := s.Requests()["total"]
	code, out, errs = runCLI(t, legacy, "doctor")
	if code != 0 || !strings.Contains(out, "- API token: email and API key (legacy): not verified") || s.Requests()["total"] == before {
		t.Fatalf("legacy key: exit %d\n%s%s", code, out, errs)
	}
}
