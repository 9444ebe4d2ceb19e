package tui

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// TestFlow runs the real program (teatest) against the simulator in real
// time: the list loads, the running build is selected, its log grows, c opens
// the dialog, y cancels, the outcome shows, q quits. One PUT reaches the API.
func TestFlow(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Options{Workers: 3, PushEvery: -1, History: 2, Seed: 5})
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sv.Close()
	lines := make([]string, 400)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %05d", i)
	}
	id := s.Inject(sim.Spec{Worker: "auth-service", Lines: lines, LineEvery: 50 * time.Millisecond, QueueFor: 10 * time.Millisecond})
	// A large budget: this test is about the flow, not the limiter.
	c, err := api.New(s.AccountID(), s.Token(), api.WithBaseURL(sv.URL), api.WithScheduler(api.NewScheduler(100_000)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Options{Source: c, AccountID: s.AccountID(), Renderer: tuitest.PlainRenderer(), Out: io.Discard,
		PollActive: 100 * time.Millisecond, PollIdle: 100 * time.Millisecond, PollLog: 100 * time.Millisecond, Settle: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	wait("auth-service")
	wait("line 00010") // the log grows
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("c")})
	wait("Cancel this build?")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})
	wait("⊘ cancelled") // the detail pane, once a poll brought the outcome
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if st := final.builds[id].State(); st != model.StateCancelled {
		t.Fatalf("final state %s", st)
	}
	if n := s.Requests()["cancel"]; n != 1 {
		t.Fatalf("%d cancel requests, want 1", n)
	}
}
