// Command cfbuilds watches Cloudflare Workers Builds live from a terminal: a
// full-screen dashboard of every Worker's builds with the selected build's
// detail and log, plus commands to list, tail, watch and cancel builds.
//
// This file only wires: the subcommands, the configuration and the exit
// codes live in internal/cli (ARCHITECTURE.md is the map).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cfbuilds/cfbuilds/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	// SIGHUP too ends every command but serve, which reloads its keys on it
	// (internal/cli decides).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, cli.Env{Version: version, Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
