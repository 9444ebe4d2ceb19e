package mcpserver

// get_stats: the build history's figures (`cfbuilds stats`), for an agent
// asking whether builds got slower or which Worker fails most.

import (
	"context"
	"errors"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cfbuilds/cfbuilds/model"
)

type statsIn struct {
	SinceDays int    `json:"since_days,omitempty" jsonschema:"the builds of this many last days (default 30)"`
	Worker    string `json:"worker,omitempty" jsonschema:"only this Worker (its name)"`
}

type statsOut struct {
	Workers      []model.StatsSummary `json:"workers"`
	MinutesUsed  float64              `json:"build_minutes_used"`
	MinutesIncl  float64              `json:"build_minutes_included"`
	Forecast     float64              `json:"build_minutes_forecast_month_end"`
	LimitReached bool                 `json:"build_minutes_limit_reached"`
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
	out := statsOut{Workers: []model.StatsSummary{}, MinutesUsed: float64(int(m.Used)), MinutesIncl: m.Included, Forecast: float64(int(m.Forecast)), LimitReached: m.LimitReached}
	for _, x := range st {
		if in.Worker != "" && x.Key != in.Worker {
			continue
		}
		w := x.Summary()
		w.Key, w.Flaky, w.RecentSeconds = clip(w.Key, 100), w.Flaky[:min(len(w.Flaky), 20)], nil // an agent's context is small
		out.Workers = append(out.Workers, w)
	}
	return nil, out, nil
}
