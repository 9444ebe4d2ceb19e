package model

import "time"

// CursorMode is what re-asking with the last cursor has been seen to do. The
// API does not document it, so the tail finds out.
type CursorMode int

const (
	// CursorUnknown: not seen yet; an empty answer is checked by a read from
	// the start.
	CursorUnknown CursorMode = iota
	// CursorIncremental: the last cursor returns the lines written since.
	CursorIncremental
	// CursorSnapshot: the last cursor returns nothing new; only a read from
	// the start shows new lines.
	CursorSnapshot
)

// Tail is the state of following one build's log: a value, so a tea.Cmd can
// carry it and hand the next one back. Lines counts the lines received; every
// line is delivered exactly once, in order.
type Tail struct {
	UUID   string
	Cursor string
	Lines  int
	Mode   CursorMode
	// AtEnd says Cursor came from a last page (truncated: false). Only a
	// cursor at the end can teach what re-asking does; one from a read
	// that an error interrupted just continues that read.
	AtEnd bool
	// EmptyPolls counts cursor polls that brought nothing while the mode
	// is unknown, to space out the checks from the start.
	EmptyPolls int
	// Done is set once the build was known stopped and its log read to the end.
	Done bool
	// First names the log's first line (time and text), so a read that
	// starts over is recognised instead of delivering lines twice.
	First string
}

// TailStep is what one step delivered: new lines and the state to continue from.
type TailStep struct {
	Tail  Tail
	Lines []LogLine
	// Pages is how many pages the step read; More says it stopped at its
	// page limit with more to read: the next step should follow at once.
	Pages int
	More  bool
	// Events is the phase timings the last page carried (undocumented;
	// nil when it had none).
	Events []PhaseEvent
}

// CancelResult is the API's answer to a cancel.
type CancelResult struct {
	UUID      string
	Outcome   Outcome
	StoppedOn *time.Time
}

// ReadPace estimates how long reading a stopped build's log has left. The
// API gives no line count, but lines carry their times and the build its
// end: the share of the build's running time the lines read so far cover is
// the share of the log read, near enough. The estimate comes from the pace
// of the last PaceBasis of reading, never from the start: a read begins
// fast (the request budget's burst) and then slows to the budget's pace,
// and a rate from the fast start would promise far too little.
type ReadPace struct {
	samples []paceSample
}

type paceSample struct {
	at   time.Time
	frac float64 // of the build's running time covered
}

// PaceBasis is how much reading an estimate is based on.
const PaceBasis = 5 * time.Second

// Add records the lines read so far (first and last line times) at now.
func (p *ReadPace) Add(now, first, last, stopped time.Time) {
	total, done := stopped.Sub(first), last.Sub(first)
	if total <= 0 {
		return
	}
	p.samples = append(p.samples, paceSample{at: now, frac: min(max(float64(done)/float64(total), 0), 1)})
	// Keep what the next estimates can use: the newest sample older than
	// the basis, and everything after it.
	keep := 0
	for i, s := range p.samples {
		if now.Sub(s.at) >= PaceBasis {
			keep = i
		}
	}
	p.samples = p.samples[keep:]
}

// Left is the time left at the pace of the last PaceBasis of reading; ok is
// false until the read has that much behind it.
func (p *ReadPace) Left() (time.Duration, bool) {
	if len(p.samples) < 2 {
		return 0, false
	}
	ref, now := p.samples[0], p.samples[len(p.samples)-1]
	spent, gained := now.at.Sub(ref.at), now.frac-ref.frac
	if spent < PaceBasis || gained <= 0 {
		return 0, false
	}
	return time.Duration(float64(spent) * (1 - now.frac) / gained).Round(time.Second), true
}
