package cli

import (
	"fmt"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
)

// BenchmarkList times `cfbuilds list` and `list --json` against the
// simulator on loopback at the default share, and counts their requests.
func BenchmarkList(b *testing.B) {
	for _, workers := range []int{23, 2000} {
		for _, args := range [][]string{{"list"}, {"list", "--json"}} {
			b.Run(fmt.Sprintf("%d-workers/%s", workers, args[len(args)-1]), func(b *testing.B) {
				s, env := simEnvFor(b, sim.Options{Workers: workers, PushEvery: -1, History: 3, Seed: 7})
				before := s.Requests()["total"]
				start := time.Now()
				for range b.N {
					if code, _, errs := runCLI(b, env, args...); code != 0 {
						b.Fatalf("exit %d: %s", code, errs)
					}
				}
				b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/run")
				b.ReportMetric(float64(s.Requests()["total"]-before)/float64(b.N), "requests/run")
			})
		}
	}
}

// BenchmarkDoctor times `cfbuilds doctor` against the simulator on
// loopback at the default share, and counts its requests.
func BenchmarkDoctor(b *testing.B) {
	for _, workers := range []int{23, 2000} {
		b.Run(fmt.Sprintf("%d-workers", workers), func(b *testing.B) {
			s, env := simEnvFor(b, sim.Options{Workers: workers, PushEvery: -1, History: 3, Seed: 7})
			before := s.Requests()["total"]
			start := time.Now()
			for range b.N {
				if code, _, errs := runCLI(b, env, "doctor"); code > 1 {
					b.Fatalf("exit %d: %s", code, errs)
				}
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/run")
			b.ReportMetric(float64(s.Requests()["total"]-before)/float64(b.N), "requests/run")
		})
	}
}
