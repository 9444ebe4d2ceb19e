package logview

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/viewport"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

var (
	benchOnce  sync.Once
	benchViews map[int]Model
	benchRaw   []model.LogLine
)

var benchSizes = []int{10_000, 100_000, 1_000_000}

func loadBenchViews() {
	benchOnce.Do(func() {
		benchRaw = tuitest.LogLines(1_000_000, 0)
		benchViews = map[int]Model{}
		st := styles.New(tuitest.PlainRenderer(), "auto", false)
		for _, n := range benchSizes {
			v := New(st, DefaultKeyMap())
			v.Reset("bench", tuitest.T0)
			v.SetSize(200, 50)
			for i := 0; i < n; i += 1000 {
				v.Append(benchRaw[i:min(i+1000, n)])
			}
			benchViews[n] = v
		}
	})
}

// BenchmarkLogViewRender renders a 200x50 frame with 10k to 1M lines loaded,
// at the end (following) and in the middle, wrapped and not.
func BenchmarkLogViewRender(b *testing.B) {
	loadBenchViews()
	for _, n := range benchSizes {
		for _, pos := range []string{"end", "middle"} {
			for _, wrap := range []bool{false, true} {
				b.Run(fmt.Sprintf("lines=%d/%s/wrap=%v", n, pos, wrap), func(b *testing.B) {
					v := benchViews[n]
					v.wrap = wrap
					v.wrapped = &wrapCache{rows: map[int]int{}}
					if pos == "middle" {
						v.jumpTo(n / 2)
					} else {
						v.resumeFollow()
					}
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						_ = v.View()
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/frame")
				})
			}
		}
	}
}

// BenchmarkViewportRender is the same frame from bubbles' viewport holding
// the whole log (SetContent with every line), for comparison.
func BenchmarkViewportRender(b *testing.B) {
	loadBenchViews()
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			vp := viewport.New(200, 50)
			vp.SetContent(joinText(benchRaw[:n]))
			vp.GotoBottom()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = vp.View()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/frame")
		})
	}
}

func joinText(lines []model.LogLine) string {
	var sb strings.Builder
	for _, l := range lines {
		sb.WriteString(model.Sanitize(l.Text).Text)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// BenchmarkLogViewAppend appends a 1,000-line page to a 1M-line log pane.
func BenchmarkLogViewAppend(b *testing.B) {
	loadBenchViews()
	// A view of its own: appending to the shared one would grow the log
	// the other benchmarks measure.
	st := styles.New(tuitest.PlainRenderer(), "auto", false)
	v := New(st, DefaultKeyMap())
	v.Reset("append", tuitest.T0)
	v.SetSize(200, 50)
	for i := 0; i < len(benchRaw); i += 1000 {
		v.Append(benchRaw[i:min(i+1000, len(benchRaw))])
	}
	page := mixedPage(1000)
	runtime.GC() // the million lines' garbage is collected now, not in the loop
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v.Append(page)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/page")
}

// mixedPage is a page of a realistic mix: a third of the lines coloured,
// a tenth with non-ASCII text, the rest plain.
func mixedPage(n int) []model.LogLine {
	out := make([]model.LogLine, n)
	for i := range out {
		text := fmt.Sprintf("dist/assets/chunk-%07d.js  12.%02d kB │ gzip: 3.%02d kB", i, i%100, i%97)
		switch {
		case i%10 == 0:
			text = fmt.Sprintf("✓ built 日本語 module %d in %d ms", i, i%300)
		case i%3 == 0:
			text = fmt.Sprintf("\x1b[2mdist/\x1b[22m\x1b[36massets/chunk-%07d.js\x1b[39m  12.%02d kB", i, i%100)
		}
		out[i] = model.LogLine{Time: tuitest.T0.Add(time.Duration(i) * time.Millisecond), Text: text}
	}
	return out
}

// BenchmarkViewportAppend is the viewport's way to add a page: SetContent
// with the whole log again.
func BenchmarkViewportAppend(b *testing.B) {
	loadBenchViews()
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			vp := viewport.New(200, 50)
			content := joinText(benchRaw[:n])
			page := joinText(tuitest.LogLines(1000, n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				vp.SetContent(content + page)
				vp.GotoBottom()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/page")
		})
	}
}

// BenchmarkLogViewSearch finds every match over a million lines.
func BenchmarkLogViewSearch(b *testing.B) {
	loadBenchViews()
	v := benchViews[1_000_000]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A million lines are searched by a command, off Update: run it
		// and hand its answer back, as the program does.
		if cmd := v.Search("elifecycle"); cmd != nil {
			v, _ = v.Update(cmd())
		}
	}
	_, n := v.Matches()
	b.ReportMetric(float64(n), "matches")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/search")
}

// BenchmarkLogViewSearchFirstMatch is the time from a search's key to its
// first match on screen over a million lines (Update's share: the count
// runs in a command, BenchmarkLogViewSearch).
func BenchmarkLogViewSearchFirstMatch(b *testing.B) {
	loadBenchViews()
	v := benchViews[1_000_000]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = v.Search("elifecycle")
	}
	if v.firstHit < 0 {
		b.Fatal("no first match")
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/first-match")
}
