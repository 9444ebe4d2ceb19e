package cli

// cfbuilds mcp: the Model Context Protocol over stdio for coding agents
// (internal/mcpserver). stdout carries protocol messages only.

import (
	"context"
	"flag"

	"github.com/cfbuilds/cfbuilds/api/shared"
	"github.com/cfbuilds/cfbuilds/internal/mcpserver"
)

func mcpCommand() command {
	return command{name: "mcp", args: "[--allow-writes]",
		summary: "serve coding agents the Model Context Protocol on stdio: list, explain and watch builds (cancel and build with --allow-writes)",
		example: `{"mcpServers": {"cfbuilds": {"command": "cfbuilds", "args": ["mcp"], "env": {"CLOUDFLARE_API_TOKEN": "…", "CLOUDFLARE_ACCOUNT_ID": "…"}}}}`,
		opts:    func() options { return &mcpOptions{} }}
}

type mcpOptions struct{ allowWrites bool }

func (o *mcpOptions) flags(fs *flag.FlagSet) {
	fs.BoolVar(&o.allowWrites, "allow-writes", false, "offer cancel_build, rebuild_build and build_branch (each one request, audited on stderr)")
}

func (o *mcpOptions) validate(args []string) error { return wantArgs("mcp", args, 0, "") }

func (o *mcpOptions) run(ctx context.Context, e *env) error {
	cfg := e.cfg
	src := shared.New(ctx, e.client, shared.Fresh{Active: cfg.PollActive, Idle: cfg.PollIdle, Log: cfg.PollLog})
	cache := e.triggerCache()
	defer cache.Save()
	_, stats, closeHistory := e.historyFor(ctx)
	defer closeHistory()
	s := mcpserver.New(mcpserver.Options{Source: src, Triggers: cache.Triggers, Events: eventFeed(e.startEvents(ctx)), Stats: stats, AllowWrites: o.allowWrites, Audit: e.stderr, Poll: cfg.PollActive, Version: e.version})
	err := s.RunStdio(ctx, e.stdin, e.stdout)
	if ctx.Err() != nil {
		return nil // ended by a signal
	}
	return err
}
