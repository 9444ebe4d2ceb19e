package tui

// Comparing two builds: m marks one, d compares the shown build with the
// marked one, or with the last success of its Worker and branch. Both logs
// are read whole and diffed off Update.

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/compare"
)

// compareMsg is a finished comparison (or why there is none).
type compareMsg struct {
	gen int // the comparison it answers: an older one is dropped
	c   model.Comparison
	err error
}

// mark marks the shown build to compare with (m again unmarks it).
func (m *Model) mark() tea.Cmd {
	b, ok := m.shownBuild()
	switch {
	case !ok:
		return m.setFlash("no build selected")
	case m.marked == b.UUID:
		m.marked = ""
		m.list.SetMarked("")
		return m.setFlash("unmarked")
	}
	m.marked = b.UUID
	m.list.SetMarked(b.UUID)
	return m.setFlash("marked " + b.ShortCommit() + " of " + model.SanitizeInline(b.WorkerName) + ": select another build and press d to compare")
}

// compareShown compares the shown build with the marked one, else with the
// last success of its Worker and branch before it.
func (m *Model) compareShown() tea.Cmd {
	b, ok := m.shownBuild()
	if !ok {
		return m.setFlash("no build selected")
	}
	base, found := m.builds[m.marked]
	if m.marked == "" || m.marked == b.UUID || !found {
		known := make([]model.Build, 0, len(m.builds))
		for _, o := range m.builds {
			known = append(known, o)
		}
		if base, found = model.LastSuccessBefore(b, known); !found {
			return m.setFlash("no earlier success of " + model.SanitizeInline(b.WorkerName) + " on " + model.SanitizeInline(b.Meta.Branch) +
				" known: mark a build with m, then press d on another")
		}
	}
	if base.CreatedOn.After(b.CreatedOn) {
		base, b = b, base // the older one is A
	}
	m.dropCompare()
	m.compareGen++
	// A person waits for it: its log reads go before the background.
	ctx, cancel := context.WithTimeout(model.WithPriority(m.life, model.Interactive), 5*time.Minute)
	m.compareCancel = cancel
	src, now, gen := m.src, m.now, m.compareGen
	return tea.Batch(m.setFlash("comparing "+base.ShortCommit()+" with "+b.ShortCommit()+m.st.Ellipsis()+" (esc drops it)"), func() tea.Msg {
		defer cancel()
		a, err := readBuildLog(ctx, src, base)
		if err != nil {
			return compareMsg{gen: gen, err: err}
		}
		bl, err := readBuildLog(ctx, src, b)
		if err != nil {
			return compareMsg{gen: gen, err: err}
		}
		return compareMsg{gen: gen, c: model.Compare(a, bl, now)}
	})
}

// dropCompare cancels a comparison still reading: no longer wanted, it
// must not pop up later over whatever the person does. It reports whether
// one was.
func (m *Model) dropCompare() bool {
	if m.compareCancel == nil {
		return false
	}
	m.compareCancel()
	m.compareCancel = nil
	m.compareGen++
	return true
}

// readBuildLog reads a build's whole log as plain lines.
func readBuildLog(ctx context.Context, src model.Source, b model.Build) (model.BuildLog, error) {
	raw, err := src.ReadLog(ctx, b.UUID)
	if err != nil {
		return model.BuildLog{}, err
	}
	bl := model.BuildLog{Build: b}
	bl.Add(raw)
	return bl, nil
}

func (m *Model) onCompared(msg compareMsg) tea.Cmd {
	if msg.gen != m.compareGen {
		return nil // dropped, or replaced by a newer one
	}
	m.compareCancel = nil
	if msg.err != nil {
		return m.setFlash("compare failed: " + errorText(msg.err))
	}
	m.pushOverlay(&compareOverlay{compare.New(m.st, compare.DefaultKeyMap(), msg.c)})
	return m.setFlash("")
}
