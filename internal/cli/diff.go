package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

func diffCommand() command {
	return command{name: "diff", args: "BUILD_A [BUILD_B] [--json]",
		summary: "what differs between two builds: settings, tools, cache, phases, first error, and their logs (B defaults to the last success of A's Worker and branch)",
		example: "cfbuilds diff 5c1f0e2a-6b7d-4e8f-9a0b-1c2d3e4f5a6b\ncfbuilds diff OLD_UUID NEW_UUID --json | jq .fields",
		opts:    func() options { return &diffOptions{} }}
}

type diffOptions struct {
	a, b   string
	asJSON bool
}

func (o *diffOptions) flags(fs *flag.FlagSet) {
	fs.BoolVar(&o.asJSON, "json", false, "print one JSON object")
}

func (o *diffOptions) validate(args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return usagef("diff needs one or two BUILD_UUIDs (see cfbuilds diff --help)")
	}
	for _, a := range args {
		if err := buildUUIDArg("diff", a); err != nil {
			return err
		}
	}
	o.a = args[0]
	if len(args) == 2 {
		o.b = args[1]
	}
	return nil
}

func (o *diffOptions) run(ctx context.Context, e *env) error {
	names := workerNames(ctx, e.client)
	a, err := readBuildLog(ctx, e.client, o.a, names)
	if err != nil {
		return err
	}
	bUUID := o.b
	if bUUID == "" {
		if bUUID, err = lastSuccessBefore(ctx, e.client, a.Build); err != nil {
			return err
		}
	}
	b, err := readBuildLog(ctx, e.client, bUUID, names)
	if err != nil {
		return err
	}
	c := model.Compare(a, b, time.Now())
	if o.asJSON {
		return writeJSON(e.stdout, diffJSON(c))
	}
	return printReport(e.stdout, c.Report())
}

// readBuildLog reads a build and its whole log as plain lines.
func readBuildLog(ctx context.Context, c *api.Client, uuid string, names map[string]string) (model.BuildLog, error) {
	b, err := c.Build(ctx, uuid)
	if err != nil {
		return model.BuildLog{}, err
	}
	if b.WorkerName == "" {
		b.WorkerName = names[b.WorkerTag]
	}
	bl := model.BuildLog{Build: b}
	err = c.ReadLogPages(ctx, uuid, func(lines []model.LogLine) error {
		bl.Add(lines)
		return nil
	})
	return bl, err
}

// lastSuccessBefore is the newest successful build of b's Worker and branch
// created before b: what "it worked last time" means.
func lastSuccessBefore(ctx context.Context, c *api.Client, b model.Build) (string, error) {
	hist, err := c.WorkerHistory(ctx, model.Worker{Tag: b.WorkerTag, Name: b.WorkerName}, 200)
	if err != nil {
		return "", err
	}
	if base, ok := model.LastSuccessBefore(b, hist); ok {
		return base.UUID, nil
	}
	return "", fmt.Errorf("no successful build of %s on %s before this one to compare with; name one: cfbuilds diff %s OTHER_UUID",
		model.SanitizeInline(b.WorkerName), model.SanitizeInline(b.Meta.Branch), b.UUID)
}

func printReport(out io.Writer, lines []model.ReportLine) error {
	for _, l := range lines {
		if _, err := fmt.Fprintln(out, l.Text); err != nil {
			return err
		}
	}
	return nil
}

// diffJSON is the comparison for scripts.
func diffJSON(c model.Comparison) map[string]any {
	type field struct {
		Name string `json:"name"`
		A    string `json:"a"`
		B    string `json:"b"`
		Same bool   `json:"same"`
	}
	type phase struct {
		Name    string  `json:"name"`
		Seconds float64 `json:"seconds"`
	}
	type line struct {
		Op   string `json:"op"`
		Text string `json:"text"`
	}
	phases := func(spans []model.Span) []phase {
		out := []phase{}
		for _, s := range spans {
			out = append(out, phase{s.Name, s.Duration().Seconds()})
		}
		return out
	}
	fields := []field{}
	for _, f := range c.Fields {
		fields = append(fields, field{f.Name, f.A, f.B, f.Same})
	}
	diff := []line{}
	for _, d := range c.LogDiff {
		diff = append(diff, line{string(d.Op), d.Text})
	}
	return map[string]any{
		"a": c.A.UUID, "b": c.B.UUID, "fields": fields,
		"phases_a": phases(c.PhasesA), "phases_b": phases(c.PhasesB),
		"lines_only_in_a": c.Removed, "lines_only_in_b": c.Added, "log_diff": diff,
	}
}
