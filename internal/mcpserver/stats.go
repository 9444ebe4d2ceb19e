package mcpserver

// get_stats: the build history's figures (`cfbuilds stats`), for an agent
// asking whether builds got slower or which Worker fails most.

import (
	"context"
	"errors"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type statsIn struct {
	SinceDays int    `json:"since_days,omitempty" jsonschema:"the builds of this many last days (default 30)"`
	Worker    string `json:"worker,omitempty" jsonschema:"only this Worker (its name)"`
}

type workerStatsOut struct {
	Worker          string         `json:"worker"`
	Builds          int            `json:"builds"`
	SuccessRate     float64        `json:"success_rate"`
	FailureRate     float64        `json:"failure_rate"`
	CancelRate      float64        `json:"cancel_rate"`
	DurationP50     int64          `json:"duration_p50_seconds"`
	DurationP95     int64          `json:"duration_p95_seconds"`
	QueueP50        int64          `json:"queue_p50_seconds"`
	QueueP95        int64          `json:"queue_p95_seconds"`
	RunP50          int64          `json:"run_p50_seconds"`
	RunP95          int64          `json:"run_p95_seconds"`
	FailuresByPhase map[string]int `json:"failures_by_phase"`
	FlakyCommits    []string       `json:"flaky_commits"`
}

type statsOut struct {
	Workers      []workerStatsOut `json:"workers"`
	MinutesUsed  float64          `json:"build_minutes_used"`
	MinutesIncl  float64          `json:"build_minutes_included"`
	Forecast     float64          `json:"build_minutes_forecast_month_end"`
	LimitReached bool             `json:"build_minutes_limit_reached"`
}

func (s *Server) getStats(ctx context.Context, _ *mcp.CallToolRequest, in statsIn) (*mcp.CallToolResult, statsOut, error) {
	if s.o.Stats == nil {
		return nil, statsOut{}, errors.New("no build history here (cfbuilds mcp --no-history, or [history] enabled = false)")
	}
	days := in.SinceDays
	if days <= 0 {
		days = 30
	}
	st, m, err := s.o.Stats.ReadStats(ctx, time.Now().AddDate(0, 0, -days))
	if err != nil {
		return nil, statsOut{}, err
	}
	sec := func(d time.Duration) int64 { return int64(d.Round(time.Second) / time.Second) }
	out := statsOut{Workers: []workerStatsOut{}, MinutesUsed: float64(int(m.Used)), MinutesIncl: m.Included, Forecast: float64(int(m.Forecast)), LimitReached: m.LimitReached}
	for _, x := range st {
		if in.Worker != "" && x.Key != in.Worker {
			continue
		}
		w := workerStatsOut{Worker: clip(x.Key, 100), Builds: x.Builds, SuccessRate: x.Rate(x.Succeeded), FailureRate: x.Rate(x.Failed), CancelRate: x.Rate(x.Cancelled),
			DurationP50: sec(x.Total.P50), DurationP95: sec(x.Total.P95), QueueP50: sec(x.Queue.P50), QueueP95: sec(x.Queue.P95),
			RunP50: sec(x.Run.P50), RunP95: sec(x.Run.P95), FailuresByPhase: map[string]int{}, FlakyCommits: []string{}}
		for p, n := range x.FailedPhases {
			w.FailuresByPhase[clip(orWord(p, "unknown"), 50)] += n
		}
		for _, c := range x.Flaky[:min(len(x.Flaky), 20)] {
			w.FlakyCommits = append(w.FlakyCommits, clip(c, 64))
		}
		out.Workers = append(out.Workers, w)
	}
	return nil, out, nil
}
