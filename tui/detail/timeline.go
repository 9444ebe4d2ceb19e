package detail

import (
	"fmt"
	"strings"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// The "at a glance" part: where the build is (its phases), how long builds
// like it usually take, and a success that shows no sign of deploying.

// Phases is what the log has shown of one build's phases.
type Phases struct {
	UUID     string
	Marks    []model.PhaseMark
	Events   []model.PhaseEvent
	Deployed bool // a line showed the upload or the new version
	Complete bool // the whole log was read
}

// SetPhases sets what the loaded build's log showed of its phases.
func (d *Model) SetPhases(p Phases) { d.phases = p }

// SetUsual sets how long builds like the shown one usually take.
func (d *Model) SetUsual(u model.Usual) { d.usual = u }

// phaseNames are the timeline's short words.
var phaseNames = map[string]string{
	model.PhaseQueue: "queue", model.PhaseInitialize: "init", model.PhaseClone: "clone", model.PhaseInstall: "install",
	model.PhaseBuild: "build", model.PhaseDeploy: "deploy", model.PhaseRun: "run",
}

// timeline is one line: each phase and its duration, the current one
// marked, the failed one in the failure colour.
func (d *Model) timeline(b model.Build) string {
	var marks []model.PhaseMark
	var events []model.PhaseEvent
	if d.phases.UUID == b.UUID {
		marks, events = d.phases.Marks, d.phases.Events
	}
	spans := model.Timeline(b, events, marks, d.now)
	if len(spans) == 0 {
		return ""
	}
	parts := make([]string, len(spans))
	for i, s := range spans {
		text := phaseNames[s.Name] + " " + model.FormatDuration(s.Duration())
		if usual, ok := d.usual.Phase[s.Name]; ok && s.Current {
			text += " (usually " + model.FormatDuration(usual) + ")"
		}
		switch {
		case s.Current:
			parts[i] = d.st.Accent.Render(d.st.Cursor() + text)
		case s.Failed:
			parts[i] = d.st.Failure.Render(d.st.Glyph(model.StateFailed) + " " + text)
		default:
			parts[i] = d.st.Muted.Render(text)
		}
	}
	return d.st.Muted.Render("phases   ") + strings.Join(parts, d.st.Muted.Render(" · "))
}

// usualLine says how long builds like this one usually take and, while it
// runs, about how long is left; it warns past the 90th percentile and near
// the 20-minute limit. A queued build says how long builds wait to start.
func (d *Model) usualLine(b model.Build) string {
	u := d.usual
	label := d.st.Muted.Render("usually  ")
	if b.State() == model.StateQueued {
		if !u.WaitKnown {
			return ""
		}
		return label + fmt.Sprintf("builds here wait %s to start", model.FormatDuration(u.Wait))
	}
	if u.N == 0 {
		return ""
	}
	scope := "on " + model.SanitizeInline(b.Meta.Branch)
	if u.Scope != "branch" || b.Meta.Branch == "" {
		scope = "of this Worker"
	}
	text := fmt.Sprintf("%s · 90%% within %s (%d builds %s)", model.FormatDuration(u.Median), model.FormatDuration(u.P90), u.N, scope)
	if b.Finished() {
		return label + text
	}
	took := b.Duration(d.now)
	switch left := model.BuildTimeLimit - took; {
	case left <= 5*time.Minute:
		return label + text + " · " + d.st.Warning.Render(fmt.Sprintf("the 20-minute limit stops it in %s", model.FormatDuration(max(left, 0))))
	case took > u.P90:
		return label + text + " · " + d.st.Warning.Render("slower than usual: past the 90% mark")
	case took < u.Median:
		return label + text + " · " + fmt.Sprintf("about %s left", model.FormatDuration(u.Median-took))
	}
	return label + text + " · nearly done, usually"
}

// noDeploy flags a success whose whole log shows no upload or new version
// and that no deployment ever held (the live line, once the Worker's
// deployments are read, says "never deployed"): the deploy command may not
// deploy at all.
func (d *Model) noDeploy(b model.Build) string {
	p := d.phases
	if b.Outcome != model.OutcomeSuccess || p.UUID != b.UUID || !p.Complete || p.Deployed || d.live != "never deployed" {
		return ""
	}
	return d.st.Warning.Render("succeeded, but no deploy seen: no \"Uploaded\" or \"Current Version ID\" line, and no deployment of it")
}
