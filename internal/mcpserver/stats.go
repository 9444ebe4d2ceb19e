package mcpserver

// get_stats: the build history's figures (`cfbuilds stats`), for an agent
// asking whether builds got slower or which Worker fails most.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cfbuilds/cfbuilds/model"
)

type statsIn struct {
	SinceDays int    `json:"since_days,omitempty" jsonschema:"the builds of this many last days (default 30)"`
	Worker    string `json:"worker,omitempty" jsonschema:"only this Worker (its name, as list_workers gives it)"`
}

// statsOut is the shape of cfbuilds stats --json (model.StatsReport), so
// a script and an agent read one thing; the span is said the same way
// ("7d").
type statsOut = model.StatsReport

func (s *Server) getStats(ctx context.Context, _ *mcp.CallToolRequest, in statsIn) (*mcp.CallToolResult, statsOut, error) {
	if s.o.Stats == nil {
		return nil, statsOut{}, errors.New("no build history here (cfbuilds mcp --no-history, or [history] enabled = false)")
	}
	days := in.SinceDays
	if days <= 0 {
		days = 30
	}
	if in.Worker != "" {
		// A typo is refused as list_builds refuses it, not answered with
		// nothing.
		ws, _, err := s.workerNames(ctx)
		if err != nil {
			return nil, statsOut{}, err
		}
		var names []string
		found := false
		for _, w := range ws {
			names = append(names, w.Name)
			found = found || w.Name == in.Worker
		}
		if !found {
			msg := fmt.Sprintf("no Worker named %q (list_workers gives their names)", model.SanitizeInline(in.Worker))
			if close := model.CloseNames(in.Worker, names, 5); len(close) > 0 {
				msg += "; did you mean " + model.SanitizeInline(strings.Join(close, ", ")) + "?"
			}
			return nil, statsOut{}, errors.New(msg)
		}
	}
	st, m, err := s.o.Stats.ReadStats(ctx, time.Now().AddDate(0, 0, -days))
	if err != nil {
		return nil, statsOut{}, err
	}
	out := statsOut{Since: fmt.Sprintf("%dd", days), Workers: []model.StatsSummary{}, Minutes: m.Report()}
	for _, x := range st {
		w := x.Summary()
		if in.Worker != "" && w.Worker != in.Worker {
			continue
		}
		w.Worker, w.Flaky, w.RecentSeconds = clip(w.Worker, 100), w.Flaky[:min(len(w.Flaky), 20)], nil // an agent's context is small
		out.Workers = append(out.Workers, w)
	}
	return nil, out, nil
}
