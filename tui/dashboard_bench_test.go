package tui

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// BenchmarkDashboardView renders the whole dashboard at 200x60 with 500
// builds in the list and a 100,000-line log.
func BenchmarkDashboardView(b *testing.B) {
	h := newHarness(b, sim.Options{Workers: 50, PushEvery: -1, History: 10}, Options{})
	h.size(200, 60)
	if n := h.m.list.Len(); n != 500 {
		b.Fatalf("%d builds", n)
	}
	h.m.log.Append(tuitest.LogLines(100_000, 0))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = h.m.View()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/frame")
}

type countingWriter struct{ n atomic.Int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n.Add(int64(len(p))); return len(p), nil }

// BenchmarkTerminalBytes runs the real program against the simulator in real
// time and reports the bytes written to the terminal per second: idle (no
// build running) and while the selected build's log streams 50 lines a second.
func BenchmarkTerminalBytes(b *testing.B) {
	for _, streaming := range []bool{false, true} {
		b.Run(fmt.Sprintf("streaming=%v", streaming), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s := sim.New(sim.Options{Workers: 6, PushEvery: -1, History: 3, Seed: 3})
				sv, err := s.Listen("127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				if streaming {
					lines := make([]string, 2000)
					for j := range lines {
						lines[j] = fmt.Sprintf("\x1b[36mcompiling\x1b[0m module %d", j)
					}
					s.Inject(sim.Spec{Lines: lines, LineEvery: 20 * time.Millisecond, QueueFor: time.Millisecond})
				}
				c, _ := api.New(s.AccountID(), s.Token(), api.WithBaseURL(sv.URL))
				// A 3 s idle poll, so the window holds several polls (at the
				// default 30 s a 5 s window saw none and read 0 B/s).
				m, _ := New(Options{Source: c, AccountID: s.AccountID(), Renderer: tuitest.PlainRenderer(), Out: io.Discard, PollIdle: 3 * time.Second})
				out := &countingWriter{}
				ctx, cancel := context.WithCancel(context.Background())
				p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(out), tea.WithoutSignalHandler(), tea.WithContext(ctx))
				done := make(chan struct{})
				go func() { _, _ = p.Run(); close(done) }()
				p.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
				time.Sleep(2 * time.Second) // start-up: first frames, first polls
				before := out.n.Load()
				const window = 12 * time.Second // four idle polls
				time.Sleep(window)
				rate := float64(out.n.Load()-before) / window.Seconds()
				b.ReportMetric(rate*3, "bytes/idle-poll")
				cancel()
				<-done
				_ = sv.Close()
				b.ReportMetric(rate, "bytes/s")
			}
		})
	}
}

var _ = model.Build{}
