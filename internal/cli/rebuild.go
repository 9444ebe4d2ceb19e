package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

func rebuildCommand() command {
	return command{name: "rebuild", args: "BUILD_UUID [--purge-cache] [--watch] [--yes]",
		summary: "build a build's branch and commit again, with its trigger's settings of now",
		example: "cfbuilds rebuild 5c1f0e2a-6b7d-4e8f-9a0b-1c2d3e4f5a6b --purge-cache --watch",
		opts:    func() options { return &rebuildOptions{} }}
}

type rebuildOptions struct {
	uuid              string
	purge, watch, yes bool
}

func (o *rebuildOptions) flags(fs *flag.FlagSet) {
	fs.BoolVar(&o.purge, "purge-cache", false, "empty the trigger's build cache first")
	fs.BoolVar(&o.watch, "watch", false, "follow the new build until it stops; exit as watch does")
	fs.BoolVar(&o.yes, "yes", false, "do not ask (needed when stdin is not a terminal)")
}

func (o *rebuildOptions) validate(args []string) error {
	if err := wantArgs("rebuild", args, 1, "a BUILD_UUID"); err != nil {
		return err
	}
	o.uuid = args[0]
	return buildUUIDArg("rebuild", o.uuid)
}

func (o *rebuildOptions) run(ctx context.Context, e *env) error {
	if e.global.readOnly {
		return usagef("read-only: rebuild is off (started with --read-only)")
	}
	c := e.client
	b, err := c.Build(ctx, o.uuid)
	if err != nil {
		return err
	}
	if b.Trigger.TriggerUUID == "" {
		return fmt.Errorf("build %s names no trigger to build it again with", o.uuid)
	}
	names := workerNames(ctx, c)
	b.WorkerName = names[b.WorkerTag]
	now := b.Trigger
	if trs, err := c.Triggers(ctx, model.Worker{Name: b.WorkerName, Tag: b.WorkerTag}); err == nil {
		for _, t := range trs {
			if t.TriggerUUID == b.Trigger.TriggerUUID {
				now = t
			}
		}
	}
	fmt.Fprintf(e.stdout, "Rebuild %s\n%s", describe(b, names, time.Now()), settingsNote(b, now))
	req := api.BuildRequest{Branch: b.Meta.Branch, CommitHash: b.Meta.CommitHash}
	return startBuild(ctx, e, now, req, o.purge, o.watch, o.yes)
}

// settingsNote shows the commands a manual build will run (the trigger's,
// as they are now) and says so when they differ from the build's.
func settingsNote(b model.Build, now model.Trigger) string {
	var s strings.Builder
	for _, row := range []struct{ name, was, is string }{
		{"build command", b.Meta.BuildCommand, now.BuildCommand},
		{"deploy command", b.Meta.DeployCommand, now.DeployCommand},
		{"root directory", b.Meta.RootDirectory, now.RootDirectory},
	} {
		fmt.Fprintf(&s, "  %-15s %s", row.name, orWord(row.is, "-"))
		if row.was != row.is && row.was != "" {
			fmt.Fprintf(&s, "   (changed since this build: it ran %q)", row.was)
		}
		s.WriteByte('\n')
	}
	return s.String()
}

// startBuild asks (unless yes), purges the trigger's cache when asked, sends
// the one POST, says the new build's uuid, and follows it with watch.
func startBuild(ctx context.Context, e *env, t model.Trigger, req api.BuildRequest, purge, watch, yes bool) error {
	what := "Start this build"
	if purge {
		what += " (after emptying the build cache)"
	}
	if ok, err := confirm(e, yes, what, "Not started."); !ok || err != nil {
		return err
	}
	c := e.client
	if purge {
		if err := c.PurgeBuildCache(ctx, t.TriggerUUID); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Emptied the build cache of %s.\n", orWord(t.TriggerName, t.TriggerUUID))
	}
	nb, err := c.CreateBuild(ctx, t.TriggerUUID, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Started build %s\n", nb.UUID)
	if !watch {
		return nil
	}
	code, b, err := cmdWatch(ctx, c, nb.UUID, e.stdout, e.stderr)
	if err != nil {
		return err
	}
	e.recordBuilds(ctx, []model.Build{b})
	return exitCodeOrNil(code)
}

// confirm asks "what? [y/N]" on a terminal (saying no when the answer is
// not yes); without a terminal it refuses unless yes. It reports whether to
// go on.
func confirm(e *env, yes bool, what, no string) (bool, error) {
	if yes {
		return true, nil
	}
	if !isTerminal(e.stdin) {
		return false, usagef("refusing to go on without --yes: stdin is not a terminal to ask on")
	}
	fmt.Fprintf(e.stdout, "%s? [y/N] ", what)
	answer, _ := bufio.NewReader(e.stdin).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		fmt.Fprintln(e.stdout, no)
		return false, nil
	}
	return true, nil
}
