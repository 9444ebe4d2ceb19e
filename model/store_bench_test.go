package model

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

func benchPage(n, from int) []LogLine {
	t := time.UnixMilli(1_700_000_000_000)
	out := make([]LogLine, n)
	for i := range out {
		text := fmt.Sprintf("dist/assets/chunk-%06d.js  12.%02d kB │ gzip: 4.%02d kB", from+i, i%100, i%97)
		if i%10 == 0 {
			text = fmt.Sprintf("\x1b[32m✓\x1b[0m built step %d in 1.%02ds", from+i, i%100)
		}
		out[i] = LogLine{Time: t.Add(time.Duration(from+i) * time.Millisecond), Text: text}
	}
	return out
}

// BenchmarkStoreAppendPage appends 1,000-line pages to a store that already
// holds a million lines: the cost must not grow with the store.
func BenchmarkStoreAppendPage(b *testing.B) {
	s := NewStore()
	for i := 0; i < 1000; i++ {
		s.Append(benchPage(1000, i*1000))
	}
	page := benchPage(1000, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Append(page)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
}

// BenchmarkStoreMemory reports bytes per line with a million lines stored,
// and the overhead beyond the text itself.
func BenchmarkStoreMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		// The pages are made and dropped inside the measurement, so the
		// store's share of their text is counted with it.
		s := NewStore()
		for p := 0; p < 1000; p++ {
			s.Append(benchPage(1000, p*1000))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		text := 0
		for j := 0; j < s.Len(); j++ {
			text += len(s.At(j).Text)
		}
		perLine := float64(after.HeapAlloc-before.HeapAlloc) / float64(s.Len())
		b.ReportMetric(perLine, "B/line")
		b.ReportMetric(float64(text)/float64(s.Len()), "text-B/line")
		b.ReportMetric(perLine-float64(text)/float64(s.Len()), "overhead-B/line")
		runtime.KeepAlive(s)
	}
}

func BenchmarkSanitize(b *testing.B) {
	page := benchPage(1000, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range page {
			_ = Sanitize(l.Text)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/line")
}
