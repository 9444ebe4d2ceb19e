package tui

// Rebuilding a build: read its trigger's settings of now, ask, post once,
// then select the new build when it arrives and tail it.

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/buildinput"
	"github.com/cfbuilds/cfbuilds/tui/rebuild"
)

// triggersMsg answers the triggers of the build to rebuild.
type triggersMsg struct {
	build    model.Build
	triggers []model.Trigger
	err      error
}

// startedMsg answers a manual build.
type startedMsg struct {
	uuid    string
	trigger string // the trigger it started with
	verb    string // "rebuild" or "build"
	err     error
}

// openRebuild reads the shown build's trigger as it is now, then asks.
func (m *Model) openRebuild() tea.Cmd {
	b, ok := m.shownBuild()
	switch {
	case !ok:
		return m.setFlash("no build selected")
	case m.opts.ReadOnly:
		return m.refuseReadOnly("rebuild")
	case b.Trigger.TriggerUUID == "":
		return m.setFlash("this build names no trigger to build it again with")
	}
	src, life := m.src, m.life
	return tea.Batch(m.setFlash("reading the trigger's settings"+m.st.Ellipsis()), func() tea.Msg {
		trs, err := src.Triggers(life, model.Worker{Name: b.WorkerName, Tag: b.WorkerTag})
		return triggersMsg{build: b, triggers: trs, err: err}
	})
}

func (m *Model) onTriggers(msg triggersMsg) tea.Cmd {
	now := msg.build.Trigger // if the trigger cannot be read, what the build ran with
	for _, t := range msg.triggers {
		if t.TriggerUUID == msg.build.Trigger.TriggerUUID {
			now = t
		}
	}
	d := rebuild.New(m.st, rebuild.DefaultKeyMap(), msg.build, now)
	m.pushOverlay(&rebuildOverlay{d})
	if msg.err != nil {
		return m.setFlash("could not read the trigger's settings of now: " + errorText(msg.err))
	}
	return nil
}

// onRebuildConfirmed sends the one POST (after the purge when asked).
func (m *Model) onRebuildConfirmed(msg rebuild.ConfirmedMsg) tea.Cmd {
	src, life := m.src, m.life
	return func() tea.Msg {
		id, err := src.StartBuild(life, msg.Trigger.TriggerUUID, msg.Build.Meta.Branch, msg.Build.Meta.CommitHash, msg.Purge)
		return startedMsg{uuid: id, trigger: msg.Trigger.TriggerName, verb: "rebuild", err: err}
	}
}

// onStarted selects the new build as soon as a poll brings it.
func (m *Model) onStarted(msg startedMsg) tea.Cmd {
	if msg.err != nil {
		text := orVerb(msg.verb) + " failed: " + errorText(msg.err)
		if d := m.rebuildDialog(); d != nil {
			d.Failed(text)
		}
		return m.setFlash(text)
	}
	m.closeOverlay(m.rebuildDialog())
	m.pendingSelect = msg.uuid
	lp := m.poll[pollLatest]
	lp.gen++
	m.cycle.queue = nil
	text := fmt.Sprintf("started build %s", msg.uuid)
	if msg.trigger != "" {
		text += " with trigger " + model.SanitizeInline(msg.trigger)
	}
	return tea.Batch(m.setFlash(text), m.startLatest())
}

func orVerb(v string) string {
	if v == "" {
		return "rebuild"
	}
	return v
}

// selectPending moves ▸ to a build started here once the list has it.
func (m *Model) selectPending() tea.Cmd {
	if m.pendingSelect == "" || !m.list.Select(m.pendingSelect) {
		return nil
	}
	m.pendingSelect = ""
	return m.loadSelection()
}

// openBuildInput asks for a branch of the shown build's Worker to build,
// offering the branches seen in its history, newest first.
func (m *Model) openBuildInput() tea.Cmd {
	b, ok := m.shownBuild()
	switch {
	case !ok:
		return m.setFlash("no build selected")
	case m.opts.ReadOnly:
		return m.refuseReadOnly("build")
	}
	var hints []string
	seen := map[string]bool{}
	for _, o := range m.list.Shown() {
		if o.WorkerTag == b.WorkerTag && o.Meta.Branch != "" && !seen[o.Meta.Branch] {
			seen[o.Meta.Branch] = true
			hints = append(hints, o.Meta.Branch)
		}
	}
	in := buildinput.New(m.st, model.Worker{Name: b.WorkerName, Tag: b.WorkerTag}, hints)
	m.pushOverlay(&buildOverlay{in})
	return nil
}

// onBuildSubmitted picks the trigger whose branch filters take the branch
// and posts once.
func (m *Model) onBuildSubmitted(msg buildinput.SubmittedMsg) tea.Cmd {
	m.closeOverlay(m.buildPrompt())
	src, life := m.src, m.life
	return tea.Batch(m.setFlash("starting a build of "+model.SanitizeInline(msg.Branch)+m.st.Ellipsis()), func() tea.Msg {
		trs, err := src.Triggers(life, msg.Worker)
		if err != nil {
			return startedMsg{verb: "build", err: err}
		}
		// No trigger taking the branch is refused, never the first one.
		t, err := model.PickTrigger(trs, "", msg.Branch)
		if err != nil {
			return startedMsg{verb: "build", err: err}
		}
		id, err := src.StartBuild(life, t.TriggerUUID, msg.Branch, "", false)
		return startedMsg{uuid: id, trigger: t.TriggerName, verb: "build", err: err}
	})
}
