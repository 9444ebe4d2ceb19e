package tui

import (
	"errors"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

func TestPoller(t *testing.T) {
	t.Parallel()
	var armed []time.Duration
	after := func(d time.Duration, msg tea.Msg) tea.Cmd {
		armed = append(armed, d)
		return func() tea.Msg { return msg }
	}
	p := &poller{kind: pollLatest, base: time.Second}
	now := t0
	seq, ok := p.start()
	if !ok {
		t.Fatal("first start refused")
	}
	if _, ok := p.start(); ok {
		t.Fatal("a second request started while one is in flight")
	}
	if ok, cmd := p.done(seq-1, nil, now, after); ok || cmd != nil {
		t.Fatal("a stale reply was taken")
	}
	boom := errors.New("boom")
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if ok, cmd := p.done(seq, boom, now, after); ok || cmd == nil {
			t.Fatalf("failure %d: ok %v, retry %v", i, ok, cmd)
		}
		if armed[len(armed)-1] != want || p.err != boom || p.next != now.Add(want) {
			t.Fatalf("failure %d: waits %v, want %v", i, armed[len(armed)-1], want)
		}
		if msg := p.arm(0, now, after)(); msg.(pollMsg).kind != pollLatest || msg.(pollMsg).gen != p.gen {
			t.Fatalf("tick %#v", msg)
		}
		seq, _ = p.start()
	}
	if ok, cmd := p.done(seq, nil, now, after); !ok || cmd != nil || p.err != nil || p.backoff != 0 {
		t.Fatalf("success: ok %v, err %v, backoff %v", ok, p.err, p.backoff)
	}
	old := p.gen
	if s := p.restart(); s != seq+1 || p.gen != old+1 || !p.inFlight {
		t.Fatalf("restart: seq %d gen %d", s, p.gen)
	}
}
