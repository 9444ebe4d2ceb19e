package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
)

// The simulator's failures of each kind, read through the client: the
// failed phase, the first error (not the noise after it) and the hint;
// and the phases its log shows.
func TestFirstErrorOfEachSimulatedFailure(t *testing.T) {
	t.Parallel()
	c, s, clock := simClient(t, sim.Options{Workers: 5, PushEvery: -1, Seed: 4})
	ws := s.Workers()
	kinds := map[string]string{ws[0][0]: "fail", ws[1][0]: "fail:install", ws[2][0]: "fail:deploy", ws[3][0]: "fail:token", ws[4][0]: "terminated"}
	ids := s.Push(sim.PushSpec{Repo: "acme/app", Branch: "main", Commit: "abcdef0123456789abcdef0123456789abcdef01",
		Workers: map[string]time.Duration{ws[0][0]: 0, ws[1][0]: 0, ws[2][0]: 0, ws[3][0]: 0, ws[4][0]: 0}, Outcome: kinds})
	clock.Advance(30 * time.Minute)
	want := map[string]struct{ phase, first, hint string }{
		"fail":         {model.PhaseBuild, "✘ [ERROR] Could not resolve", ""},
		"fail:install": {model.PhaseInstall, "npm ERR! code ERESOLVE", ""},
		"fail:deploy":  {model.PhaseDeploy, "✘ [ERROR] A request to the Cloudflare API", ""},
		"fail:token":   {"", "Failed: The build token selected for this build has been deleted or rolled", "build token"},
		"terminated":   {"", "", "20 minutes"},
	}
	for name, kind := range kinds {
		lines, err := c.ReadLog(context.Background(), ids[name])
		if err != nil {
			t.Fatal(err)
		}
		plain := make([]string, len(lines))
		var tr model.PhaseTracker
		for i, l := range lines {
			plain[i] = model.Sanitize(l.Text).Plain()
			tr.Add(l.Time, []byte(plain[i]))
		}
		f := model.FailureOf(func(i int) string { return plain[i] }, len(plain))
		w := want[kind]
		if f.Phase != w.phase || !strings.HasPrefix(f.Text, w.first) || !strings.Contains(f.Hint, w.hint) {
			t.Errorf("%s: phase %q, first error %q, hint %q", kind, f.Phase, f.Text, f.Hint)
		}
		if kind != "fail:token" && (len(tr.Marks) < 2 || tr.Marks[0].Name != model.PhaseClone || tr.Marks[1].Name != model.PhaseInstall) {
			t.Errorf("%s: phases %+v", kind, tr.Marks)
		}
	}
}
