package detail

import (
	"fmt"
	"testing"
)

// BenchmarkDetailHugeFields is the first frame of a build whose commit
// message, branch, author and Worker name are each one word of 100 KB or
// 1 MB (glamour renders it, uncached): the goal is well under 100 ms.
func BenchmarkDetailHugeFields(b *testing.B) {
	for _, n := range []int{100 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("bytes=%d", n), func(b *testing.B) {
			build := huge(n)
			for i := 0; i < b.N; i++ {
				d := newDetail(100, 40) // a new cache: the first frame each time
				d.SetBuild(build, true)
				_ = d.View()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/first-frame")
		})
	}
}
