// Package mcpserver is `cfbuilds mcp`: the Model Context Protocol over stdio
// for coding agents, with tools that list, explain and watch builds (and,
// with --allow-writes, cancel, rebuild and build). The tools read through
// one budget-aware source (the one `serve` shares), so an agent calling in
// a loop spends Cloudflare's limit no faster than a dashboard; every string
// they return is sanitized and every answer bounded.
package mcpserver

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cfbuilds/cfbuilds/model"
)

// Options configure the server.
type Options struct {
	Source      model.Source  // reads and writes go through it (api/shared over the client)
	AllowWrites bool          // cancel_build, rebuild_build and build_branch are offered
	Audit       io.Writer     // one line per write (stderr)
	Poll        time.Duration // how often a wait looks (default 3 s)
	Version     string
	// Triggers reads a Worker's triggers for the push plan (a cache in
	// front of the source); default the source's own.
	Triggers model.TriggerReader
	// Events is the feed of build events (nil: polling only): watch_commit
	// learns of builds' starts and ends from it within a pull.
	Events model.EventFeed
	// Stats answers get_stats from the build history (nil: none).
	Stats model.StatsReader
}

// Server is the MCP server.
type Server struct {
	o   Options
	srv *mcp.Server
	mu  sync.Mutex // one audit line at a time
}

// New registers the tools.
func New(o Options) *Server {
	if o.Poll <= 0 {
		o.Poll = 3 * time.Second
	}
	s := &Server{o: o, srv: mcp.NewServer(&mcp.Implementation{Name: "cfbuilds", Title: "Cloudflare Workers Builds", Version: o.Version},
		&mcp.ServerOptions{Instructions: instructions})}
	s.addReadTools()
	if o.AllowWrites {
		s.addWriteTools()
	} else {
		s.srv.AddReceivingMiddleware(refuseWrites)
	}
	return s
}

// Run serves over t until the client leaves or ctx ends.
func (s *Server) Run(ctx context.Context, t mcp.Transport) error { return s.srv.Run(ctx, t) }

// MCP is the SDK's server, for tests that connect over memory.
func (s *Server) MCP() *mcp.Server { return s.srv }

func (s *Server) audit(format string, a ...any) {
	if s.o.Audit == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.o.Audit, "%s cfbuilds mcp: audit: %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, a...))
}

// progress tells the client how a wait goes, when it gave a token, and
// when requests wait on Cloudflare's limit or the budget, says so.
func (s *Server) progress(ctx context.Context, req *mcp.CallToolRequest, done, total float64, msg string) {
	switch u := s.o.Source.Usage(); {
	case !u.GatedUntil.IsZero():
		msg += fmt.Sprintf("; rate limited by Cloudflare, resuming in %s", time.Until(u.GatedUntil).Round(time.Second))
	case u.Waiting > 0:
		msg += fmt.Sprintf("; %d requests wait for the request budget", u.Waiting)
	}
	if token := req.Params.GetProgressToken(); token != nil {
		_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: done, Total: total, Message: model.SanitizeInline(msg)})
	}
}
