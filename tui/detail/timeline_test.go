package detail

import (
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// marksAt are the phase starts of a log, seconds after tuitest.T0.
func marksAt(b model.Build, names ...string) []model.PhaseMark {
	var out []model.PhaseMark
	for i, n := range names {
		out = append(out, model.PhaseMark{Name: n, Line: i * 10, At: b.RunningOn.Add(time.Duration(i*8) * time.Second)})
	}
	return out
}

// The detail with its timeline and usual times: a running build (current
// phase marked, time left), a failed one (the failed phase, the first
// error, the hint), a success with no sign of a deploy.
func TestTimelineGoldens(t *testing.T) {
	t.Parallel()
	usual := model.Usual{N: 12, Median: 50 * time.Second, P90: 70 * time.Second, Scope: "branch", Wait: 3 * time.Second, WaitKnown: true,
		Phase: map[string]time.Duration{model.PhaseBuild: 12 * time.Second, model.PhaseInstall: 6 * time.Second}}
	bs := tuitest.Builds(3)
	running := bs[0]
	running.CreatedOn = tuitest.T0.Add(-30 * time.Second)
	init, run := running.CreatedOn.Add(2*time.Second), running.CreatedOn.Add(5*time.Second)
	running.InitializingOn, running.RunningOn = &init, &run
	failed := bs[1]
	failed.Outcome = model.OutcomeFail
	succeeded := bs[1]
	succeeded.Outcome = model.OutcomeSuccess
	for _, tc := range []struct {
		name  string
		b     model.Build
		marks []string
		setup func(d *Model)
		want  []string
	}{
		{"running", running, []string{model.PhaseClone, model.PhaseInstall, model.PhaseBuild}, nil,
			[]string{"phases   queue 2s · init 3s · clone 8s · install 8s · >build 9s (usually 12s)", "usually  50s · 90% within 1m10s (12 builds on main) · about 20s left"}},
		{"failed", failed, []string{model.PhaseClone, model.PhaseInstall, model.PhaseBuild}, func(d *Model) {
			d.SetFailure(failed.UUID, model.Failure{Phase: model.PhaseBuild, Line: 25, Text: "✘ [ERROR] Could not resolve \"./routes\"", Hint: ""})
		}, []string{"x build 15s", "failed in build command: ✘ [ERROR] Could not resolve"}},
		{"succeeded-no-deploy", succeeded, []string{model.PhaseClone, model.PhaseInstall, model.PhaseBuild, model.PhaseDeploy}, nil,
			[]string{"deploy 7s", "succeeded, but no deploy seen"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDetail(90, 16)
			d.SetNow(tuitest.T0)
			d.SetLive("never deployed", "")
			d.SetBuild(tc.b, true)
			d.SetUsual(usual)
			d.SetPhases(Phases{UUID: tc.b.UUID, Marks: marksAt(tc.b, tc.marks...), Complete: tc.b.Finished()})
			if tc.setup != nil {
				tc.setup(&d)
			}
			d.st.ASCII = true
			frame := d.View()
			tuitest.CheckFrame(t, frame, 90, 16)
			for _, w := range tc.want {
				if !strings.Contains(frame, w) {
					t.Errorf("lacks %q:\n%s", w, frame)
				}
			}
			tuitest.Golden(t, "detail-timeline-"+tc.name, frame)
		})
	}
}

// Near the 20-minute limit and past the 90th percentile, the line warns;
// a queued build says how long builds wait.
func TestUsualWarnings(t *testing.T) {
	t.Parallel()
	d := newDetail(120, 16)
	d.SetUsual(model.Usual{N: 5, Median: time.Minute, P90: 2 * time.Minute, Scope: "Worker", Wait: 4 * time.Second, WaitKnown: true})
	b := tuitest.Builds(1)[0]
	for _, tc := range []struct {
		age  time.Duration
		want string
	}{
		{3 * time.Minute, "slower than usual: past the 90% mark"},
		{17 * time.Minute, "the 20-minute limit stops it in 3m"},
	} {
		d.SetNow(b.CreatedOn.Add(tc.age))
		d.SetBuild(b, true)
		if v := d.View(); !strings.Contains(v, tc.want) {
			t.Errorf("at %s: lacks %q:\n%s", tc.age, tc.want, v)
		}
	}
	q := model.Build{UUID: "q", CreatedOn: tuitest.T0, Status: model.StatusQueued, WorkerName: "docs"}
	d.SetNow(tuitest.T0.Add(2 * time.Second))
	d.SetBuild(q, true)
	if v := d.View(); !strings.Contains(v, "builds here wait 4s to start") {
		t.Errorf("queued:\n%s", v)
	}
}
