package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

func buildCommand() command {
	return command{name: "build", args: "--worker NAME (--branch B | --commit SHA) [--trigger NAME] [--watch] [--yes]",
		summary: "start a build of a branch or a commit of a Worker",
		example: "cfbuilds build --worker api-gateway --branch main --watch",
		opts:    func() options { return &buildOptions{} }}
}

type buildOptions struct {
	worker, branch, commit, trigger string
	watch, yes                      bool
}

func (o *buildOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.worker, "worker", "", "the Worker to build, by `name`")
	fs.StringVar(&o.branch, "branch", "", "the `branch` to build")
	fs.StringVar(&o.commit, "commit", "", "the commit `SHA` to build")
	fs.StringVar(&o.trigger, "trigger", "", "the trigger, by `name` (default: the one whose branch filters take the branch)")
	fs.BoolVar(&o.watch, "watch", false, "follow the new build until it stops; exit as watch does")
	fs.BoolVar(&o.yes, "yes", false, "do not ask (needed when stdin is not a terminal)")
}

func (o *buildOptions) validate(args []string) error {
	if err := wantArgs("build", args, 0, ""); err != nil {
		return err
	}
	switch {
	case o.worker == "":
		return usagef("build needs --worker NAME (see cfbuilds build --help)")
	case o.branch == "" && o.commit == "":
		return usagef("build needs --branch B or --commit SHA (see cfbuilds build --help)")
	}
	return nil
}

func (o *buildOptions) run(ctx context.Context, e *env) error {
	if e.global.readOnly {
		return usagef("read-only: build is off (started with --read-only)")
	}
	ws, err := selectWorkers(ctx, e.client, o.worker)
	if err != nil {
		return err
	}
	trs, err := e.client.Triggers(ctx, ws[0])
	if err != nil {
		return err
	}
	t, err := model.PickTrigger(trs, o.trigger, o.branch)
	if err != nil {
		var none *model.NoTriggerError
		if errors.As(err, &none) {
			return usagef("build %s: %v (--trigger NAME)", model.SanitizeInline(o.worker), err)
		}
		return fmt.Errorf("build %s: %w", model.SanitizeInline(o.worker), err)
	}
	fmt.Fprintf(e.stdout, "Build %s on %s with trigger %s\n", model.SanitizeInline(o.worker),
		orWord(model.SanitizeInline(o.branch), model.SanitizeInline(o.commit)), model.SanitizeInline(t.TriggerName))
	fmt.Fprint(e.stdout, settingsNote(model.Build{}, t))
	return startBuild(ctx, e, t, api.BuildRequest{Branch: o.branch, CommitHash: o.commit}, false, o.watch, o.yes)
}
