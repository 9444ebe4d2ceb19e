package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"
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
	return cmdCancel(ctx, e, o.uuid, o.yes)
}

func cmdCancel(ctx context.Context, e *env, uuid string, yes bool) error {
	c, out := e.client, e.stdout
	b, err := c.Build(ctx, uuid)
	if err != nil {
		return err
	}
	names := workerNames(ctx, c)
	if !b.Cancellable() {
		ended := "already " + outcomeSentence(b.Outcome)
		if rest, ok := strings.CutPrefix(outcomeSentence(b.Outcome), "was "); ok {
			ended = "was already " + rest
		}
		return fmt.Errorf("build %s %s; only a queued or running build can be cancelled", uuid, ended)
	}
	if ok, err := confirm(e, yes, "Cancel the build of "+describe(b, names, time.Now()), "Not cancelled."); !ok || err != nil {
		return err
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
