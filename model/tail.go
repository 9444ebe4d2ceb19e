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

// ReadLeft estimates how long reading a stopped build's log has left. The
// API gives no line count, but lines carry their times and the build its
// end: the share of the build's running time the lines read so far cover
// (first to last) is the share of the log read, near enough. spent is how
// long the read has taken; under two seconds the estimate is not given.
func ReadLeft(first, last, stopped time.Time, spent time.Duration) (time.Duration, bool) {
	total, done := stopped.Sub(first), last.Sub(first)
	if total <= 0 || done <= 0 || spent < 2*time.Second {
		return 0, false
	}
	frac := min(float64(done)/float64(total), 1)
	return time.Duration(float64(spent) * (1 - frac) / frac).Round(time.Second), true
}
