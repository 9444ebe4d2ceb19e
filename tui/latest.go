package tui

// Latest builds for an account of any size. A cycle of the latest-builds
// poll is a few calls of at most 20 Workers each, sent one after the other,
// each answer shown as it comes: every "hot" Worker (a build running or
// created in the last day), and the next batch of the others in rotation.
// Small accounts fit in the cycle whole; with 2,000 Workers a cycle stays
// a few calls, and the rotation covers the rest over a known time.

import (
	"sort"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// latestCycle is where the latest-builds poll stands in its cycle.
type latestCycle struct {
	queue     [][]string    // the calls left in this cycle
	calls     int           // the calls the current cycle has
	coldPos   int           // where the rotation of the Workers that are not hot stands
	sweptOnce bool          // a first cycle read every Worker
	rotation  time.Duration // coldSweep as of the last cycle's end, for the status bar
	// reconciled is when the Workers events cover were last polled with
	// the others, while some are not covered (#36.2).
	reconciled time.Time
}

const (
	batchSize = 20             // Workers a call may ask about
	hotFor    = 24 * time.Hour // a Worker built this recently is polled every cycle
	// maxHot bounds the Workers polled every cycle (5 calls): the most
	// recently built ones; the others of a very busy account rotate.
	maxHot = 100
)

// planCycle is the batches of the next cycle. The first reads every Worker
// (as fast as the budget allows); later ones read the hot Workers and one
// batch of the others, or everyone when that is no more calls.
func (m *Model) planCycle() [][]string {
	all := m.tags()
	if !m.cycle.sweptOnce {
		return chunk(all)
	}
	if m.ev.state.Flowing && m.ev.uncovered > 0 {
		// Mixed: the Workers events do not cover are polled as without
		// events; those they cover join a cycle once a minute.
		if m.now.Sub(m.cycle.reconciled) < reconcileEvery {
			polled := all[:0:0]
			for _, t := range all {
				if !m.covers(t) {
					polled = append(polled, t)
				}
			}
			all = polled
		} else {
			m.cycle.reconciled = m.now
		}
	}
	hot, cold := m.splitHot(all)
	if calls(len(all)) <= calls(len(hot))+1 {
		return chunk(all)
	}
	batch := make([]string, 0, batchSize)
	for i := 0; i < batchSize && i < len(cold); i++ {
		batch = append(batch, cold[(m.cycle.coldPos+i)%len(cold)])
	}
	m.cycle.coldPos = (m.cycle.coldPos + len(batch)) % len(cold)
	return append(chunk(hot), batch)
}

// splitHot divides the Workers into those polled every cycle (active or
// recent builds, at most maxHot, the most recent first) and the rest.
func (m *Model) splitHot(all []string) (hot, cold []string) {
	for _, t := range all {
		if m.hot(t) {
			hot = append(hot, t)
		} else {
			cold = append(cold, t)
		}
	}
	if len(hot) > maxHot {
		created := func(t string) time.Time { return m.builds[m.latestByTag[t]].CreatedOn }
		sort.SliceStable(hot, func(i, j int) bool { return created(hot[i]).After(created(hot[j])) })
		cold = append(cold, hot[maxHot:]...)
		hot = hot[:maxHot]
	}
	return hot, cold
}

// hot reports a Worker whose latest build is active or recent.
func (m *Model) hot(tag string) bool {
	b, ok := m.builds[m.latestByTag[tag]]
	return ok && (b.Active() || m.now.Sub(b.CreatedOn) < hotFor)
}

// coldSweep is how long the rotation takes to read every Worker that is
// not hot once (0: no rotation, every cycle reads everyone).
func (m *Model) coldSweep() time.Duration {
	if !m.cycle.sweptOnce {
		return 0
	}
	hot, cold := m.splitHot(m.tags())
	if calls(len(m.workers)) <= calls(len(hot))+1 {
		return 0
	}
	return time.Duration(calls(len(cold))) * m.latestInterval()
}

func calls(n int) int { return (n + batchSize - 1) / batchSize }

func chunk(tags []string) [][]string {
	var out [][]string
	for i := 0; i < len(tags); i += batchSize {
		out = append(out, tags[i:min(i+batchSize, len(tags))])
	}
	return out
}

// startLatest sends the next call of the cycle, planning a cycle when none
// is under way.
func (m *Model) startLatest() tea.Cmd {
	if len(m.workers) == 0 {
		return nil
	}
	if len(m.cycle.queue) == 0 {
		m.cycle.queue = m.planCycle()
		m.cycle.calls = len(m.cycle.queue)
	}
	seq, ok := m.poll[pollLatest].start()
	if !ok || len(m.cycle.queue) == 0 {
		return nil
	}
	batch := m.cycle.queue[0]
	m.cycle.queue = m.cycle.queue[1:]
	return fetchLatest(m.life, m.src, seq, batch)
}

// latestInterval is the wait between cycles. While builds are active a
// cycle spends one call per PollActive, about 20 a minute at the default,
// whatever the number of Workers.
func (m *Model) latestInterval() time.Duration {
	if m.reconciling() {
		return reconcileEvery
	}
	if !m.anyActive() {
		return m.opts.PollIdle
	}
	return m.opts.PollActive * time.Duration(max(m.cycle.calls, 1))
}
