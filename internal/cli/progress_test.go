package cli

import (
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A command that works past its second says what it does on the
// terminal, then clears the line; off a terminal it says nothing (#25.11).
func TestProgressLine(t *testing.T) {
	t.Parallel()
	var w syncBuffer
	stop := progress(&w, true, 0, "reading the latest builds")
	for range 5000 { // until the timer has written
		if w.String() != "" {
			break
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	if got := w.String(); got != "\r\x1b[Kcfbuilds: reading the latest builds…\r\x1b[K" {
		t.Fatalf("%q", got)
	}
	var quiet syncBuffer
	progress(&quiet, false, 0, "x")()
	progress(&quiet, true, time.Hour, "x")() // done before it was due
	if quiet.String() != "" {
		t.Fatalf("said %q", quiet.String())
	}
}
