package sim

import (
	"math/rand/v2"
	"time"
)

// FlakyWorker is the Worker whose failures pass when run again, in a
// simulator with HistoryDays.
const FlakyWorker = 2

// texture gives a past build what months of real history have: every
// fifth day is slow (builds take twice as long), weekday mornings builds
// wait minutes in the queue (a free plan runs one at a time), and the
// flaky Worker's failures are run again ten minutes later, unchanged, and
// pass. Called under construction, before the build is added.
func (s *Sim) texture(i int, w *worker, b *build, rng *rand.Rand) {
	run := b.stopOn.Sub(b.runOn)
	if b.created.YearDay()%5 == 0 && b.outcome != "terminated" {
		run *= 2
	}
	queue := b.initOn.Sub(b.created)
	if h := b.created.UTC().Hour(); h >= 8 && h < 11 && b.created.Weekday() != time.Saturday && b.created.Weekday() != time.Sunday {
		queue += time.Duration(1+rng.IntN(6)) * time.Minute
	}
	initFor := b.runOn.Sub(b.initOn)
	b.initOn = b.created.Add(queue)
	b.runOn = b.initOn.Add(initFor)
	b.stopOn = b.runOn.Add(run)
	if i == FlakyWorker && b.outcome == "success" && rng.IntN(3) == 0 {
		// A failure first, then the same commit passes on a retry.
		b.outcome, b.failKind, b.versionID = "fail", "build", ""
		b.lines = s.logPlan(b, rng, run)
		retry := s.plan(w, b.created.Add(10*time.Minute), false)
		retry.commit, retry.branch, retry.message, retry.outcome = b.commit, b.branch, b.message, "success"
		retry.source = "manual"
		if retry.versionID == "" {
			retry.versionID = uuid(rng)
		}
		retry.lines = s.logPlan(retry, rng, retry.stopOn.Sub(retry.runOn))
		s.addBuild(w, retry)
	}
}
