package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

func watchCommand() command {
	return command{name: "watch", args: "BUILD_UUID", summary: "follow until done; exit 0 success or skipped, 1 otherwise",
		example: "cfbuilds watch 5c1f0e2a-6b7d-4e8f-9a0b-1c2d3e4f5a6b && echo deployed",
		opts:    func() options { return &watchOptions{} }}
}

type watchOptions struct{ uuid string }

func (o *watchOptions) flags(*flag.FlagSet) {}

func (o *watchOptions) validate(args []string) error {
	if err := wantArgs("watch", args, 1, "a BUILD_UUID"); err != nil {
		return err
	}
	o.uuid = args[0]
	return buildUUIDArg("watch", o.uuid)
}

func (o *watchOptions) run(ctx context.Context, e *env) error {
	code, err := cmdWatch(ctx, e.client, o.uuid, e.stdout, e.stderr)
	if err != nil {
		return err
	}
	return exitCodeOrNil(code)
}

// workerNames maps tags to names; a failure only costs the names.
func workerNames(ctx context.Context, c *api.Client) map[string]string {
	names := map[string]string{}
	if ws, err := c.Workers(ctx); err == nil {
		for _, w := range ws {
			names[w.Tag] = w.Name
		}
	}
	return names
}

func describe(b model.Build, names map[string]string, now time.Time) string {
	name := names[b.WorkerTag]
	if name == "" {
		name = b.WorkerTag
	}
	return fmt.Sprintf("%s on %s at %s (%s, %s)", model.SanitizeInline(name), model.SanitizeInline(b.Meta.Branch),
		model.SanitizeInline(b.ShortCommit()), b.State(), model.FormatDuration(b.Duration(now)))
}

// cmdWatch follows a build until it stops, printing each change of state;
// it returns the exit code.
func cmdWatch(ctx context.Context, c *api.Client, uuid string, out, stderr io.Writer) (int, error) {
	names := workerNames(ctx, c)
	var last model.State
	b, err := c.Follow(ctx, uuid, api.FollowOptions{
		Build: func(b model.Build) {
			if s := b.State(); s != last {
				fmt.Fprintf(out, "%s  %s\n", time.Now().Format("15:04:05"), describe(b, names, time.Now()))
				last = s
			}
		},
		Err: retryOrGiveUp(stderr),
	})
	if err != nil {
		return 1, err
	}
	if b.Outcome == model.OutcomeSuccess || b.Outcome == model.OutcomeSkipped {
		return 0, nil
	}
	return 1, nil
}
