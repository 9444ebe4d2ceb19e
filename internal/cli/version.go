package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

func versionCommand() command {
	return command{name: "version", args: "VERSION_ID... [--json]", summary: "the build that made each Worker version",
		example: "cfbuilds version 1e2d3c4b-5a69-4788-9a6b-5c4d3e2f1a0b --json",
		opts:    func() options { return &versionOptions{} }}
}

type versionOptions struct {
	ids    []string
	asJSON bool
}

func (o *versionOptions) flags(fs *flag.FlagSet) {
	fs.BoolVar(&o.asJSON, "json", false, "print JSON: version id → the build as the API sent it, or null")
}

func (o *versionOptions) validate(args []string) error {
	if len(args) == 0 {
		return usagef("version needs one or more VERSION_IDs (see cfbuilds version --help)")
	}
	for _, id := range args {
		if !isVersionID(id) {
			return usagef("%q is not a Worker version id: a version id is a UUID such as 1e2d3c4b-5a69-4788-9a6b-5c4d3e2f1a0b (wrangler versions list shows them)", model.SanitizeInline(id))
		}
	}
	o.ids = args
	return nil
}

func (o *versionOptions) run(ctx context.Context, e *env) error {
	return cmdVersion(ctx, e.client, o.ids, o.asJSON, e.stdout)
}

// cmdVersion prints the build behind each version id.
func cmdVersion(ctx context.Context, c *api.Client, ids []string, asJSON bool, out io.Writer) error {
	builds, err := c.BuildsByVersion(ctx, ids)
	if err != nil {
		return err
	}
	names := workerNames(ctx, c)
	if asJSON {
		res := map[string]map[string]json.RawMessage{}
		for _, id := range ids {
			res[id] = nil
			if b, ok := builds[id]; ok {
				b.WorkerName = names[b.WorkerTag]
				res[id] = api.OutputJSON(b, nil)
			}
		}
		return writeJSON(out, res)
	}
	for _, id := range ids {
		b, ok := builds[id]
		if !ok {
			fmt.Fprintf(out, "%s  not from a build\n", model.SanitizeInline(id))
			continue
		}
		fmt.Fprintf(out, "%s  build %s  %s\n", model.SanitizeInline(id), b.UUID, describe(b, names, time.Now()))
	}
	return nil
}

// versionID is the shape of a Worker version id: a UUID.
var versionID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isVersionID(s string) bool { return versionID.MatchString(s) }
