package model

import (
	"testing"
	"time"
)

// TestPercentiles: nearest rank, hand-computed.
func TestPercentiles(t *testing.T) {
	t.Parallel()
	s := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, x := range n {
			out[i] = time.Duration(x) * time.Second
		}
		return out
	}
	for _, tc := range []struct {
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{s(7), 95, 7 * time.Second},
		{s(40, 10, 30, 20), 50, 20 * time.Second}, // rank ceil(2) = 2nd of 10 20 30 40
		{s(40, 10, 30, 20), 95, 40 * time.Second}, // rank ceil(3.8) = 4th
		{s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), 95, 19 * time.Second},
		{s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), 50, 10 * time.Second},
	} {
		if got := PercentileOf(tc.ds, tc.p); got != tc.want {
			t.Errorf("p%v of %v: %v, want %v", tc.p, tc.ds, got, tc.want)
		}
	}
}

// TestSummarize: counts, rates, durations, failures by phase, a flaky
// commit (failed, then succeeded unchanged), and the month's minutes with
// their forecast.
func TestSummarize(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	b := func(worker, commit string, start time.Duration, queue, run time.Duration, o Outcome, phase string) HistoryBuild {
		return HistoryBuild{Build: Build{UUID: worker + commit + start.String(), WorkerName: worker, Status: StatusStopped, Outcome: o,
			CreatedOn: t0.Add(start), InitializingOn: at(start + queue), RunningOn: at(start + queue + 5*time.Second),
			StoppedOn: at(start + queue + 5*time.Second + run), Meta: TriggerMetadata{CommitHash: commit, Branch: "main"}}, FailedPhase: phase}
	}
	builds := []HistoryBuild{
		b("api", "c1", 0, 10*time.Second, 60*time.Second, OutcomeSuccess, ""),
		b("api", "c2", time.Hour, 20*time.Second, 120*time.Second, OutcomeFail, "build"),
		b("api", "c2", 2*time.Hour, 30*time.Second, 90*time.Second, OutcomeSuccess, ""),
		b("api", "c3", 3*time.Hour, 40*time.Second, 30*time.Second, OutcomeCancelled, ""),
		b("docs", "d1", 0, 5*time.Second, 55*time.Second, OutcomeFail, "install"),
	}
	st := Summarize(builds, func(h HistoryBuild) string { return h.WorkerName })
	if len(st) != 2 || st[0].Key != "api" || st[1].Key != "docs" {
		t.Fatalf("groups %+v", st)
	}
	api := st[0]
	if api.Builds != 4 || api.Succeeded != 2 || api.Failed != 1 || api.Cancelled != 1 || api.Rate(api.Failed) != 0.25 {
		t.Fatalf("counts %+v", api)
	}
	// Queue waits 10 20 30 40: p50 20 s, p95 40 s. Totals: 75 145 125 75 s.
	if api.Queue.P50 != 20*time.Second || api.Queue.P95 != 40*time.Second || api.Total.P50 != 75*time.Second || api.Total.P95 != 145*time.Second {
		t.Fatalf("durations %+v %+v", api.Queue, api.Total)
	}
	if api.FailedPhases["build"] != 1 || len(api.Flaky) != 1 || api.Flaky[0] != "c2" || len(api.Recent) != 4 {
		t.Fatalf("phases %v flaky %v recent %d", api.FailedPhases, api.Flaky, len(api.Recent))
	}
	// Run time this month: 60+120+90+30+55 s = 5.91666 minutes, on day 11 of
	// 31 at noon: a forecast of used × 31 / 10.5.
	now := t0.Add(10*24*time.Hour + 12*time.Hour)
	m := MinutesOf(builds, 3000, now)
	if m.Used < 5.91 || m.Used > 5.92 || m.Forecast < m.Used*31/10.5-0.01 || m.Forecast > m.Used*31/10.5+0.01 || m.Included != 3000 {
		t.Fatalf("minutes %+v", m)
	}
	if MinutesOf(builds, 3000, t0.AddDate(0, 1, 5)).Used != 0 {
		t.Fatal("last month's builds counted in this month")
	}
}

// TestEveryOutcomeHasItsRate (#37.3): success, failure (terminated
// included), cancel, skip and other add up to 1; by branch, the Worker
// and the branch are fields of their own.
func TestEveryOutcomeHasItsRate(t *testing.T) {
	t.Parallel()
	var p StatsParts
	p.Key = "api-gateway · main"
	for o, n := range map[Outcome]int{OutcomeSuccess: 12, OutcomeFail: 5, OutcomeTerminated: 1, OutcomeCancelled: 2, OutcomeSkipped: 3, "odd": 1} {
		p.Count(o, "", n)
	}
	s := p.Stats().Summary()
	sum := s.SuccessRate + s.FailureRate + s.CancelRate + s.SkipRate + s.OtherRate
	if s.Builds != 24 || sum < 0.9999 || sum > 1.0001 || s.FailureRate != 6.0/24 || s.SkipRate != 3.0/24 || s.OtherRate != 1.0/24 {
		t.Fatalf("rates %+v sum to %v", s, sum)
	}
	if s.Worker != "api-gateway" || s.Branch != "main" {
		t.Fatalf("worker %q branch %q", s.Worker, s.Branch)
	}
}
