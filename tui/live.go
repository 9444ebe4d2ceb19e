package tui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
)

// Which build is live: a Worker's deployments are read when one of its
// builds succeeds, when one of its builds is selected, and otherwise one
// Worker at a time on a slow sweep, so the budget barely notices.

// sweepEvery is the gap between two Workers of the background sweep, and
// deployGap the gap between queued reads.
const (
	sweepEvery = time.Minute
	deployGap  = 500 * time.Millisecond
)

func fetchDeploys(life context.Context, src model.Source, seq int, tag, name string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(model.WithPriority(life, model.Sweep), callTimeout)
		defer cancel()
		ds, err := src.Deployments(ctx, name)
		if err != nil {
			return deploysMsg{tag: tag, seq: seq, err: err}
		}
		var ids []string
		seen := map[string]bool{}
		for _, d := range ds {
			for _, v := range d.Versions {
				if !seen[v.VersionID] {
					seen[v.VersionID] = true
					ids = append(ids, v.VersionID)
				}
			}
		}
		byVersion, err := src.BuildsByVersion(ctx, ids)
		return deploysMsg{tag: tag, seq: seq, deployments: ds, byVersion: byVersion, err: err}
	}
}

// queueOnScreen asks for the histories and deployments of the Workers whose
// builds are on screen and not known yet, so the list and its LIVE column
// fill in the first seconds; the slow sweep keeps the rest up to date.
func (m *Model) queueOnScreen() tea.Cmd {
	var cmds []tea.Cmd
	for _, b := range m.list.OnScreen() {
		if !m.historied[b.WorkerTag] {
			m.queueHistory(b.WorkerTag)
			cmds = append(cmds, m.startHistory())
		}
		if _, known := m.deploys[b.WorkerTag]; known || m.asked[b.WorkerTag] {
			continue
		}
		m.asked[b.WorkerTag] = true
		cmds = append(cmds, m.queueDeploys(b.WorkerTag, false))
	}
	return tea.Batch(cmds...)
}

// queueDeploys asks for a Worker's deployments; urgent ones go first.
func (m *Model) queueDeploys(tag string, urgent bool) tea.Cmd {
	if _, known := m.workerByTag[tag]; !known {
		return nil
	}
	for i, t := range m.deployQueue {
		if t == tag {
			if !urgent || i == 0 {
				return m.startDeploys()
			}
			m.deployQueue = append(m.deployQueue[:i], m.deployQueue[i+1:]...)
			break
		}
	}
	if urgent {
		m.deployQueue = append([]string{tag}, m.deployQueue...)
	} else {
		m.deployQueue = append(m.deployQueue, tag)
	}
	return m.startDeploys()
}

func (m *Model) startDeploys() tea.Cmd {
	if len(m.deployQueue) == 0 {
		return nil
	}
	seq, ok := m.poll[pollDeploys].start()
	if !ok {
		return nil
	}
	tag := m.deployQueue[0]
	m.deployQueue = m.deployQueue[1:]
	return fetchDeploys(m.life, m.src, seq, tag, m.workerByTag[tag])
}

// armSweep schedules the next Worker of the slow sweep.
func (m *Model) armSweep() tea.Cmd {
	return m.after(sweepEvery, sweepMsg{gen: m.sweepGen})
}

// restartSweep starts one sweep chain, voiding any armed before (a refresh
// must not leave two running).
func (m *Model) restartSweep() tea.Cmd {
	m.sweepGen++
	return m.armSweep()
}

func (m *Model) onSweep(msg sweepMsg) tea.Cmd {
	if msg.gen != m.sweepGen {
		return nil
	}
	if len(m.workers) == 0 {
		return m.armSweep()
	}
	m.sweep %= len(m.workers)
	tag := m.workers[m.sweep].Tag
	m.sweep++
	return tea.Batch(m.queueDeploys(tag, false), m.armSweep())
}

func (m *Model) onDeploys(msg deploysMsg) tea.Cmd {
	if ok, retry := m.poll[pollDeploys].done(msg.seq, msg.err, m.now, m.after); !ok {
		if retry != nil {
			m.deployQueue = append(m.deployQueue, msg.tag) // failed: ask again on the retry
		}
		return retry
	}
	// The versions the Worker's deployments named before go with them: the
	// map holds what the deployments on hand name, not every version ever
	// read (an hour of pushes would grow it without end).
	for _, d := range m.deploys[msg.tag] {
		for _, v := range d.Versions {
			delete(m.versionOf, v.VersionID)
		}
	}
	m.deploys[msg.tag] = msg.deployments
	var builds []model.Build
	for _, d := range msg.deployments {
		for _, v := range d.Versions {
			b, ok := msg.byVersion[v.VersionID]
			m.versionOf[v.VersionID] = b.UUID
			if ok {
				if b.WorkerTag == "" {
					b.WorkerTag = msg.tag
				}
				builds = append(builds, b)
			}
		}
	}
	cmd := m.store(builds...) // a live build older than the history shows too
	if len(m.deployQueue) > 0 {
		return tea.Batch(cmd, m.poll[pollDeploys].arm(deployGap, m.now, m.after))
	}
	return cmd
}

func (m *Model) buildOf(versionID string) string { return m.versionOf[versionID] }

// refreshLive recomputes the live marks of the list and the detail's lines.
func (m *Model) refreshLive() {
	marks := map[string]string{}
	for _, b := range m.builds {
		ds := m.deploys[b.WorkerTag]
		if len(ds) == 0 {
			continue
		}
		if l := model.LivenessOf(b.UUID, ds, m.buildOf); l.Live() {
			mark := "live"
			if l.Gradual() {
				mark = l.PercentText()
			}
			marks[b.UUID] = mark
		}
	}
	m.list.SetLive(marks)
	m.list.SetNote(m.commitVerdict())
	m.showSelected()
}

// commitVerdict is the --commit view's one line: the push's live verdict
// from the builds of the commit and the deployments read (model.PushWatch,
// as watch --commit --live says it): "2/3 Workers live: docs uploaded, not
// deployed". "" without --commit.
func (m *Model) commitVerdict() string {
	if m.opts.Commit == "" {
		return ""
	}
	pw := model.NewPushWatch(model.Push{Commit: m.opts.Commit}, model.PushPlan{})
	for _, b := range m.builds {
		pw.Observe(model.Worker{Name: b.WorkerName, Tag: b.WorkerTag}, b)
	}
	for _, w := range pw.Plan.Expected {
		b, _ := pw.BuildOf(w.Tag)
		if ds, known := m.deploys[w.Tag]; known && b.Finished() {
			pw.SetLiveness(w.Tag, ds, m.buildByVersion)
		}
	}
	if len(pw.Plan.Expected) == 0 {
		return ""
	}
	return pw.LiveSummary(100, 0)
}

// buildByVersion is the build that made a version, as far as the list
// knows it (ok false: made outside Builds, or not read).
func (m *Model) buildByVersion(versionID string) (model.Build, bool) {
	uuid := m.buildOf(versionID)
	if uuid == "" {
		return model.Build{}, false
	}
	b, ok := m.builds[uuid]
	if !ok {
		b = model.Build{UUID: uuid}
	}
	return b, true
}

// liveLine is the detail's sentence on where the build stands, and a note
// when the Worker's live version came from outside Builds.
func (m *Model) liveLine(b model.Build) (string, string) {
	ds, known := m.deploys[b.WorkerTag]
	if !known {
		if b.Finished() {
			// Not read yet: say so rather than guess "never deployed".
			return "checking" + m.st.Ellipsis(), ""
		}
		return "", ""
	}
	at := func(t time.Time) string {
		if m.opts.UTC {
			return t.UTC().Format("2006-01-02 15:04")
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	name := func(id string) string {
		if o, ok := m.builds[id]; ok {
			return fmt.Sprintf("build %s (%s)", o.ShortCommit(), model.SanitizeInline(o.Meta.Branch))
		}
		if len(id) > 8 {
			id = id[:8]
		}
		return "version " + model.SanitizeInline(id)
	}
	line := ""
	if b.Finished() {
		line = model.LivenessOf(b.UUID, ds, m.buildOf).Describe(at, name)
	}
	outside := ""
	if len(ds) > 0 {
		cur := ds[0]
		for _, v := range cur.Versions {
			if v.Percentage > 0 && m.buildOf(v.VersionID) == "" {
				id := v.VersionID
				if len(id) > 8 {
					id = id[:8]
				}
				outside = fmt.Sprintf("the Worker serves version %s (%s%%) from outside Builds: %s by %s",
					model.SanitizeInline(id), model.FormatPercent(v.Percentage), model.SanitizeInline(orWord(cur.Source, "unknown source")),
					model.SanitizeInline(orWord(cur.Author, "unknown author")))
				if cur.Message != "" {
					outside += fmt.Sprintf(", %q", model.SanitizeInline(cur.Message))
				}
				break
			}
		}
	}
	return line, outside
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}
