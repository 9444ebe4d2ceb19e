package model

import (
	"time"
)

// LogLine is one raw line of a build log as the API sends it: untrusted text.
type LogLine struct {
	Time time.Time
	Text string
}

// PhaseEvent is one entry of a log page's events: a phase of the build
// ("initializing", ...) and when it started and ended (nil until then).
type PhaseEvent struct {
	Type      string
	StartedOn *time.Time
	EndedOn   *time.Time
}

// Line is one sanitized log line held by a Store: 32 bytes besides its text.
type Line struct {
	// unixMilli keeps the timestamp in 8 bytes instead of time.Time's 24.
	unixMilli int64
	// Text holds printable characters and SGR colour only.
	Text   string
	width  int32
	styled bool
}

func lineOf(t time.Time, s Safe) Line {
	return Line{unixMilli: t.UnixMilli(), Text: s.Text, width: int32(min(s.Width, 1<<31-1)), styled: s.Styled}
}

// Time is when the line was written.
func (l Line) Time() time.Time { return time.UnixMilli(l.unixMilli) }

// Width is the text's display width in cells.
func (l Line) Width() int { return int(l.width) }

// Plain is the text without colour, for search and saving.
func (l Line) Plain() string { return Safe{Text: l.Text, Styled: l.styled}.Plain() }

// chunkSize lines per chunk: appending never copies what is already stored,
// so a page costs O(lines added) however long the log is.
const chunkSize = 4096

// Store is an append-only store of sanitized log lines. It is not safe for
// concurrent use: the UI owns it and appends in Update.
type Store struct {
	chunks [][]Line
	n      int
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{} }

// Len is the number of lines stored.
func (s *Store) Len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// Append sanitizes and stores raw lines.
func (s *Store) Append(lines []LogLine) {
	for _, l := range lines {
		s.AppendLine(lineOf(l.Time, Sanitize(l.Text)))
	}
}

// AppendLine stores one already sanitized line.
func (s *Store) AppendLine(l Line) {
	if len(s.chunks) == 0 || len(s.chunks[len(s.chunks)-1]) == chunkSize {
		s.chunks = append(s.chunks, make([]Line, 0, chunkSize))
	}
	last := len(s.chunks) - 1
	s.chunks[last] = append(s.chunks[last], l)
	s.n++
}

// At returns line i (0-based). It panics when i is out of range, like a slice.
func (s *Store) At(i int) Line {
	return s.chunks[i/chunkSize][i%chunkSize]
}

// Lines returns a copy of lines [from, to), clamped to the store.
func (s *Store) Lines(from, to int) []Line {
	from, to = max(from, 0), min(to, s.Len())
	if from >= to {
		return nil
	}
	out := make([]Line, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, s.At(i))
	}
	return out
}

// Snapshot is a read-only view of the lines stored so far, safe to read from
// another goroutine while this store keeps appending: it copies the chunk
// headers (a few per million lines), never the lines, and appends only ever
// write past what a snapshot can see.
func (s *Store) Snapshot() *Store {
	return &Store{chunks: append([][]Line(nil), s.chunks...), n: s.n}
}

// NewLine builds a Line from raw text and its time (used by tests and savers).
func NewLine(t time.Time, text string) Line {
	return lineOf(t, Sanitize(text))
}
