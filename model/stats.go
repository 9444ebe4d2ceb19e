package model

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"
)

// Build statistics over a history of builds: what `cfbuilds stats`, the
// dashboard's stats view and MCP's get_stats answer. Pure: the history
// database (internal/history) reads the builds, this counts them.

// Stats are the figures of one group of builds (a Worker, a branch).
type Stats struct {
	Key       string // the Worker (and branch) they are of
	Builds    int
	Succeeded int
	Failed    int // failed or terminated
	Cancelled int
	Skipped   int
	// Durations, of stopped builds: the whole (created → stopped), the
	// queue wait (created → initializing) and the run (running → stopped).
	Total, Queue, Run Percentiles
	// FailedPhases counts failures by the phase they failed in, where the
	// log was read ("" not known).
	FailedPhases map[string]int
	// Flaky are commits that failed and then succeeded with no change.
	Flaky []string
	// Recent is the newest builds' durations and outcomes, oldest first,
	// for a chart.
	Recent []BuildPoint
}

// BuildPoint is one build on a chart.
type BuildPoint struct {
	At       time.Time
	Duration time.Duration
	Outcome  Outcome
}

// Percentiles are p50 and p95 of some durations (zero when none).
type Percentiles struct {
	P50, P95 time.Duration
	N        int
}

// Rate is a share of the builds, 0 to 1.
func (s Stats) Rate(n int) float64 {
	if s.Builds == 0 {
		return 0
	}
	return float64(n) / float64(s.Builds)
}

// PercentileOf is the p-th percentile (0-100) of ds by the nearest-rank
// method: the smallest value with at least p% of the values at or under
// it. ds need not be sorted; it is not changed.
func PercentileOf(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// percentiles sorts ds (its own) and takes p50 and p95 by nearest rank.
func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) time.Duration {
		rank := int(math.Ceil(p / 100 * float64(len(ds))))
		return ds[min(max(rank, 1), len(ds))-1]
	}
	return Percentiles{P50: at(50), P95: at(95), N: len(ds)}
}

// HistoryBuild is a build as the history keeps it: the times, the outcome,
// and what its log said when it was read.
type HistoryBuild struct {
	Build
	FailedPhase string // "" not read or not failed
	FirstError  string
}

// recentPoints is how many builds a chart shows.
const recentPoints = 40

// StatRow is a stopped build as stats count it: small, since stats read a
// hundred thousand of them. Times are Unix milliseconds, 0 not reached.
type StatRow struct {
	Key, Commit, FailedPhase string
	Outcome                  Outcome
	Created, Init, Run, Stop int64
}

// RowOf is a history build's row, keyed.
func RowOf(b HistoryBuild, key string) StatRow {
	ms := func(t *time.Time) int64 {
		if t == nil {
			return 0
		}
		return t.UnixMilli()
	}
	return StatRow{Key: key, Commit: b.Meta.CommitHash, FailedPhase: b.FailedPhase, Outcome: b.Outcome,
		Created: b.CreatedOn.UnixMilli(), Init: ms(b.InitializingOn), Run: ms(b.RunningOn), Stop: ms(b.StoppedOn)}
}

// Summarize counts builds into stats, one group per key (keyOf: the
// Worker's name, or name and branch). Groups come sorted by key.
func Summarize(builds []HistoryBuild, keyOf func(HistoryBuild) string) []Stats {
	rows := make([]StatRow, 0, len(builds))
	for _, b := range builds {
		if b.Finished() {
			rows = append(rows, RowOf(b, keyOf(b)))
		}
	}
	return SummarizeRows(rows)
}

// SummarizeRows counts stopped builds' rows into stats, one group per key,
// sorted by key.
func SummarizeRows(rows []StatRow) []Stats {
	groups := map[string][]StatRow{}
	for _, r := range rows {
		groups[r.Key] = append(groups[r.Key], r)
	}
	out := make([]Stats, 0, len(groups))
	for key, rs := range groups {
		out = append(out, statsOf(key, rs))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func statsOf(key string, rs []StatRow) Stats {
	sort.Slice(rs, func(i, j int) bool { return rs[i].Created < rs[j].Created })
	p := StatsParts{Key: key}
	failedCommits := map[string]bool{}
	flaky := map[string]bool{}
	ms := func(d int64) time.Duration { return time.Duration(d) * time.Millisecond }
	for _, r := range rs {
		p.Count(r.Outcome, r.FailedPhase, 1)
		switch {
		case r.Outcome == OutcomeSuccess && r.Commit != "" && failedCommits[r.Commit] && !flaky[r.Commit]:
			flaky[r.Commit] = true
			p.Flaky = append(p.Flaky, r.Commit)
		case (r.Outcome == OutcomeFail || r.Outcome == OutcomeTerminated) && r.Commit != "":
			failedCommits[r.Commit] = true
		}
		if r.Stop > 0 {
			p.Total = append(p.Total, ms(r.Stop-r.Created))
			if r.Run > 0 {
				p.Run = append(p.Run, ms(r.Stop-r.Run))
			}
		}
		if r.Init > 0 {
			p.Queue = append(p.Queue, ms(r.Init-r.Created))
		}
	}
	for _, r := range rs[max(len(rs)-recentPoints, 0):] {
		if r.Stop > 0 {
			p.Recent = append(p.Recent, BuildPoint{At: time.UnixMilli(r.Created).UTC(), Duration: ms(r.Stop - r.Created), Outcome: r.Outcome})
		}
	}
	return p.Stats()
}

// StatsParts are a group's figures as a database hands them over in
// parts (counts by outcome and phase, the durations, the newest builds,
// the flaky commits); Stats puts them together as statsOf does.
type StatsParts struct {
	Key               string
	counts            Stats
	Total, Queue, Run []time.Duration
	Recent            []BuildPoint // oldest first
	Flaky             []string
}

// Count adds n stopped builds of an outcome (and, failed, of a phase).
func (p *StatsParts) Count(o Outcome, phase string, n int) {
	c := &p.counts
	if c.FailedPhases == nil {
		c.FailedPhases = map[string]int{}
	}
	c.Builds += n
	switch o {
	case OutcomeSuccess:
		c.Succeeded += n
	case OutcomeFail, OutcomeTerminated:
		c.Failed += n
		c.FailedPhases[phase] += n
	case OutcomeCancelled:
		c.Cancelled += n
	case OutcomeSkipped:
		c.Skipped += n
	}
}

// Stats is the group's figures (the duration slices are sorted in place).
func (p *StatsParts) Stats() Stats {
	s := p.counts
	s.Key, s.Flaky, s.Recent = p.Key, p.Flaky, p.Recent
	if s.FailedPhases == nil {
		s.FailedPhases = map[string]int{}
	}
	s.Total, s.Queue, s.Run = percentiles(p.Total), percentiles(p.Queue), percentiles(p.Run)
	if len(s.Recent) > recentPoints {
		s.Recent = s.Recent[len(s.Recent)-recentPoints:]
	}
	return s
}

// Minutes is the account's build minutes in a month: used so far (the
// builds' run time summed), the plan's included minutes, and the month's
// end at the pace so far.
type Minutes struct {
	Used, Included float64
	Forecast       float64 // at the month's end, at the pace of the month so far
	MonthStart     time.Time
	LimitReached   bool // what the API says (non-paid plans)
}

// MinutesOf sums the run time (running → stopped, else initializing →
// stopped) of the builds in now's month (UTC) and forecasts the month.
func MinutesOf(builds []HistoryBuild, included float64, now time.Time) Minutes {
	rows := make([]StatRow, 0, len(builds))
	for _, b := range builds {
		rows = append(rows, RowOf(b, ""))
	}
	return MinutesOfRows(rows, included, now)
}

// MinutesOfRows is MinutesOf over rows.
func MinutesOfRows(rows []StatRow, included float64, now time.Time) Minutes {
	now = now.UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	m := Minutes{Included: included, MonthStart: start}
	lo, hi := start.UnixMilli(), end.UnixMilli()
	for _, r := range rows {
		if r.Stop == 0 || r.Created < lo || r.Created >= hi {
			continue
		}
		from := r.Run
		if from == 0 {
			from = r.Init
		}
		if from == 0 {
			continue
		}
		m.Used += float64(r.Stop-from) / 60000
	}
	if elapsed := now.Sub(start); elapsed > 0 {
		m.Forecast = m.Used * float64(end.Sub(start)) / float64(elapsed)
	}
	return m
}

// BuildRecorder keeps the builds a front end sees (the local history):
// Record and RecordFailure never wait; what they cannot keep now a later
// sync fills in.
type BuildRecorder interface {
	Record(builds []Build)
	RecordFailure(uuid string, f Failure)
}

// StatsReader answers the stats view and MCP's get_stats: the figures of
// the builds since a time, by Worker, and the month's build minutes.
type StatsReader interface {
	ReadStats(ctx context.Context, since time.Time) ([]Stats, Minutes, error)
}

// StatsSummary is a group's figures as `stats --json` and MCP's get_stats
// give them: rates, durations in whole seconds, failures by phase ("unknown"
// where the log was not read), the flaky commits and the recent durations.
type StatsSummary struct {
	Key    string `json:"-"` // "worker · branch", for the table
	Worker string `json:"worker"`
	Branch string `json:"branch,omitempty"` // by branch (--branch)
	Builds int    `json:"builds"`
	// The rates add up to 1: a failure counts terminated builds too, and
	// an outcome no word here names is "other".
	SuccessRate   float64        `json:"success_rate"`
	FailureRate   float64        `json:"failure_rate"`
	CancelRate    float64        `json:"cancel_rate"`
	SkipRate      float64        `json:"skip_rate"`
	OtherRate     float64        `json:"other_rate"`
	TotalP50      int64          `json:"duration_p50_seconds"`
	TotalP95      int64          `json:"duration_p95_seconds"`
	QueueP50      int64          `json:"queue_p50_seconds"`
	QueueP95      int64          `json:"queue_p95_seconds"`
	RunP50        int64          `json:"run_p50_seconds"`
	RunP95        int64          `json:"run_p95_seconds"`
	FailedPhases  map[string]int `json:"failures_by_phase"`
	Flaky         []string       `json:"flaky_commits"`
	RecentSeconds []int64        `json:"recent_durations_seconds,omitempty"`
}

// StatsReport is `cfbuilds stats --json` and MCP's get_stats alike: the
// span ("30d", "0" for all kept), where the figures come from, a summary
// per Worker (and branch), and the month's build minutes.
type StatsReport struct {
	Since   string         `json:"since"`
	AsOf    string         `json:"as_of,omitempty"` // the newest build's time, when the API did not answer (RFC 3339)
	Note    string         `json:"note,omitempty"`  // why the figures are the history's alone
	Workers []StatsSummary `json:"workers"`
	Minutes MinutesReport  `json:"build_minutes"`
}

// MinutesReport is the month's build minutes in a report.
type MinutesReport struct {
	Used         float64 `json:"used"`
	Included     float64 `json:"included"`
	Forecast     float64 `json:"forecast_month_end"`
	LimitReached bool    `json:"limit_reached"`
	Month        string  `json:"month"`
}

// Report is the minutes as a report says them: tenths of a minute.
func (m Minutes) Report() MinutesReport {
	r := func(x float64) float64 { return float64(int(x*10+0.5)) / 10 }
	return MinutesReport{Used: r(m.Used), Included: m.Included, Forecast: r(m.Forecast), LimitReached: m.LimitReached, Month: m.MonthStart.Format("2006-01")}
}

// Summary is the group's figures in whole seconds, its text sanitized.
func (s Stats) Summary() StatsSummary {
	sec := func(d time.Duration) int64 { return int64(d.Round(time.Second) / time.Second) }
	worker, branch, _ := strings.Cut(s.Key, " · ")
	out := StatsSummary{Key: SanitizeInline(s.Key), Worker: SanitizeInline(worker), Branch: SanitizeInline(branch), Builds: s.Builds,
		SuccessRate: s.Rate(s.Succeeded), FailureRate: s.Rate(s.Failed), CancelRate: s.Rate(s.Cancelled), SkipRate: s.Rate(s.Skipped),
		OtherRate: s.Rate(s.Builds - s.Succeeded - s.Failed - s.Cancelled - s.Skipped), TotalP50: sec(s.Total.P50), TotalP95: sec(s.Total.P95), QueueP50: sec(s.Queue.P50),
		QueueP95: sec(s.Queue.P95), RunP50: sec(s.Run.P50), RunP95: sec(s.Run.P95), FailedPhases: map[string]int{}, Flaky: []string{},
		RecentSeconds: []int64{}}
	for p, n := range s.FailedPhases {
		if p == "" {
			p = "unknown"
		}
		out.FailedPhases[SanitizeInline(p)] += n
	}
	for _, c := range s.Flaky {
		out.Flaky = append(out.Flaky, SanitizeInline(c))
	}
	for _, p := range s.Recent {
		out.RecentSeconds = append(out.RecentSeconds, sec(p.Duration))
	}
	return out
}
