package model

import (
	"testing"
	"time"
)

func TestState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status  Status
		outcome Outcome
		want    State
	}{
		{StatusQueued, OutcomeNone, StateQueued},
		{StatusInitializing, OutcomeNone, StateInitializing},
		{StatusRunning, OutcomeNone, StateRunning},
		{StatusStopped, OutcomeSuccess, StateSucceeded},
		{StatusStopped, OutcomeFail, StateFailed},
		{StatusStopped, OutcomeSkipped, StateSkipped},
		{StatusStopped, OutcomeCancelled, StateCancelled},
		{StatusStopped, OutcomeTerminated, StateTerminated},
		{StatusStopped, OutcomeNone, StateStopped},
		{StatusStopped, "exploded", State("exploded")},
		{"paused", OutcomeNone, State("paused")},
		{"", OutcomeNone, StateUnknown},
	}
	for _, tt := range tests {
		b := Build{Status: tt.status, Outcome: tt.outcome}
		if got := b.State(); got != tt.want {
			t.Errorf("State(%q,%q) = %q, want %q", tt.status, tt.outcome, got, tt.want)
		}
	}
}

func TestFinishedActive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status           Status
		finished, active bool
	}{
		{StatusQueued, false, true},
		{StatusInitializing, false, true},
		{StatusRunning, false, true},
		{StatusStopped, true, false},
		{"paused", false, true},
		{"", false, false},
	}
	for _, tt := range tests {
		b := Build{Status: tt.status}
		if b.Finished() != tt.finished || b.Active() != tt.active {
			t.Errorf("%q: Finished=%v Active=%v, want %v %v", tt.status, b.Finished(), b.Active(), tt.finished, tt.active)
		}
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	stop := t0.Add(90 * time.Second)
	tests := []struct {
		name string
		b    Build
		now  time.Time
		want time.Duration
	}{
		{"running", Build{CreatedOn: t0}, t0.Add(time.Minute), time.Minute},
		{"stopped ignores now", Build{CreatedOn: t0, StoppedOn: &stop}, t0.Add(time.Hour), 90 * time.Second},
		{"clock skew", Build{CreatedOn: t0}, t0.Add(-time.Minute), 0},
		{"no created", Build{}, t0, 0},
	}
	for _, tt := range tests {
		if got := tt.b.Duration(tt.now); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCommitTitle(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"fix: a\n\nbody": "fix: a",
		"\n\nlead\r\nx":  "lead",
		"single":         "single",
		"":               "",
	}
	for in, want := range tests {
		if got := (Build{Meta: TriggerMetadata{CommitMessage: in}}).CommitTitle(); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestStore(t *testing.T) {
	t.Parallel()
	s := NewStore()
	t0 := time.UnixMilli(1_700_000_000_123)
	var page []LogLine
	for i := 0; i < chunkSize*2+5; i++ {
		page = append(page, LogLine{Time: t0.Add(time.Duration(i) * time.Millisecond), Text: "line\x1b[2J"})
	}
	s.Append(page)
	if s.Len() != len(page) {
		t.Fatalf("Len %d, want %d", s.Len(), len(page))
	}
	last := s.At(s.Len() - 1)
	if last.Text != "line" || !last.Time().Equal(page[len(page)-1].Time) {
		t.Fatalf("last = %+v", last)
	}
	if got := s.Lines(chunkSize-1, chunkSize+1); len(got) != 2 {
		t.Fatalf("Lines across chunks: %d", len(got))
	}
	if got := s.Lines(-5, 1<<30); len(got) != s.Len() {
		t.Fatalf("clamped Lines: %d", len(got))
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{0: "0s", 42 * time.Second: "42s", 187 * time.Second: "3m07s", 62 * time.Minute: "1h02m", 1499 * time.Millisecond: "1s",
		-time.Hour: "?", 50 * 365 * 24 * time.Hour: "?"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func TestSnapshotSeesOnlyWhatWasThere(t *testing.T) {
	t.Parallel()
	s := NewStore()
	s.Append([]LogLine{{Text: "a"}, {Text: "b"}})
	snap := s.Snapshot()
	done := make(chan struct{})
	go func() { // appending while the snapshot is read: the race detector watches
		defer close(done)
		for i := 0; i < 10_000; i++ {
			s.AppendLine(NewLine(time.Time{}, "more"))
		}
	}()
	lines := snap.Lines(0, snap.Len())
	<-done
	if len(lines) != 2 || lines[0].Text != "a" || lines[1].Text != "b" || s.Len() != 10_002 {
		t.Fatalf("snapshot %d lines, store %d", len(lines), s.Len())
	}
}

// The time left of a long read comes from the pace of its last five
// seconds, not from its fast start (#25.9).
func TestReadPace(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stop := t0.Add(100 * time.Second)
	var p ReadPace
	// The burst: 40% of the log in the first second.
	for i := 1; i <= 10; i++ {
		p.Add(t0.Add(time.Duration(i)*100*time.Millisecond), t0, t0.Add(time.Duration(i)*4*time.Second), stop)
		if _, ok := p.Left(); ok {
			t.Fatalf("an estimate %d00 ms into the read, from the burst alone", i)
		}
	}
	// Then the budget's pace: 1% a second.
	for i := 1; i <= 10; i++ {
		p.Add(t0.Add(time.Second+time.Duration(i)*time.Second), t0, t0.Add(40*time.Second+time.Duration(i)*time.Second), stop)
	}
	// 50% read, 1% a second over the last five seconds: 50 s left.
	if left, ok := p.Left(); !ok || left != 50*time.Second {
		t.Fatalf("left %v %v, want 50s", left, ok)
	}
	var none ReadPace
	none.Add(t0, t0, t0, t0) // a build with no running time
	if _, ok := none.Left(); ok {
		t.Fatal("an estimate without a basis")
	}
}
