package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
)

func cancelCommand() command {
	return command{name: "cancel", args: "BUILD_UUID [--yes]", summary: "asks on a terminal; refuses without --yes otherwise",
		example: "cfbuilds cancel 5c1f0e2a-6b7d-4e8f-9a0b-1c2d3e4f5a6b --yes",
		opts:    func() options { return &cancelOptions{} }}
}

type cancelOptions struct {
	uuid string
	yes  bool
}

func (o *cancelOptions) flags(fs *flag.FlagSet) {
	fs.BoolVar(&o.yes, "yes", false, "do not ask (needed when stdin is not a terminal)")
}

func (o *cancelOptions) validate(args []string) error {
	if err := wantArgs("cancel", args, 1, "a BUILD_UUID"); err != nil {
		return err
	}
	o.uuid = args[0]
	return buildUUIDArg("cancel", o.uuid)
}

func (o *cancelOptions) run(ctx context.Context, e *env) error {
	return cmdCancel(ctx, e.client, o.uuid, o.yes, isTerminal(e.stdin), e.stdin, e.stdout)
}

func cmdCancel(ctx context.Context, c *api.Client, uuid string, yes, interactive bool, in io.Reader, out io.Writer) error {
	b, err := c.Build(ctx, uuid)
	if err != nil {
		return err
	}
	names := workerNames(ctx, c)
	if !b.Cancellable() {
		return fmt.Errorf("build %s is %s: only a queued or running build can be cancelled", uuid, b.State())
	}
	if !yes {
		if !interactive {
			return usagef("refusing to cancel build %s without --yes: stdin is not a terminal to ask on", uuid)
		}
		fmt.Fprintf(out, "Cancel the build of %s? [y/N] ", describe(b, names, time.Now()))
		answer, _ := bufio.NewReader(in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(out, "Not cancelled.")
			return nil
		}
	}
	res, err := c.Cancel(ctx, uuid)
	if err != nil {
		return err
	}
	outcome := res.Outcome
	if outcome == "" {
		outcome = "cancel requested"
	}
	fmt.Fprintf(out, "Build %s: %s\n", uuid, outcome)
	return nil
}
