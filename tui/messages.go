package tui

import (
	"github.com/cfbuilds/cfbuilds/model"
)

// Every message that carries a reply says what it answers (a sequence number
// of its kind, a build uuid) so Update can drop replies that no longer match.

// workersMsg answers a Workers discovery.
type workersMsg struct {
	seq     int
	workers []model.Worker
	err     error
	known   map[string]bool // the periodic look: the tags known when it went (nil: a first or asked-for listing)
}

// latestMsg answers a latest-builds poll.
type latestMsg struct {
	seq    int
	builds map[string]model.Build // by Worker tag
	err    error
}

// historyMsg answers a Worker's history page.
type historyMsg struct {
	tag    string
	seq    int
	builds []model.Build
	err    error
}

// selectedMsg answers a poll of the selected build and its log.
type selectedMsg struct {
	uuid  string
	seq   int
	build model.Build
	hasB  bool
	step  model.TailStep
	err   error
}

// cancelMsg answers a cancel.
type cancelMsg struct {
	uuid string
	res  model.CancelResult
	err  error
}

// savedMsg answers a log save.
type savedMsg struct {
	uuid  string
	path  string
	lines int
	err   error
}

// copiedMsg says what was copied (or that a URL was opened).
type copiedMsg struct {
	what      string
	opened    bool
	noBrowser string // the URL no browser here could open
	err       error
}

// pollMsg is a tick asking for the next poll of a kind; gen drops ticks armed
// before a reset (a refresh, a back-off change).
type pollMsg struct {
	kind pollKind
	gen  int
}

type pollKind int

const (
	pollLatest pollKind = iota
	pollSelected
	pollHistory
	pollWorkers
	pollDeploys
	pollFollow // active builds the latest-builds poll does not read (follow.go)
)

// allPolls lists every kind of poll.
var allPolls = []pollKind{pollWorkers, pollLatest, pollHistory, pollSelected, pollDeploys, pollFollow}

// deploysMsg answers a Worker's deployments and the builds behind their versions.
type deploysMsg struct {
	tag         string
	seq         int
	deployments []model.Deployment
	byVersion   map[string]model.Build
	err         error
}

// settleMsg fires when the selection has stayed put long enough to load.
type settleMsg struct{ gen int }

// sweepMsg asks for the next Worker of the slow deployments sweep.
type sweepMsg struct{ gen int }

// clockMsg ticks once a second while something runs, for live durations.
type clockMsg struct{}

// flashExpiredMsg clears a status-bar flash.
type flashExpiredMsg struct{ gen int }
