package mcpserver

// The write tools: offered only with --allow-writes. Each sends exactly
// one write request (a rebuild may empty the cache first, as asked) and is
// written to the audit log.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cfbuilds/cfbuilds/model"
)

// writeTools are the tools --allow-writes adds.
var writeTools = []string{"cancel_build", "rebuild_build", "build_branch"}

type rebuildIn struct {
	BuildUUID  string `json:"build_uuid"`
	PurgeCache bool   `json:"purge_cache,omitempty" jsonschema:"empty the build cache first"`
}

type branchIn struct {
	Worker  string `json:"worker" jsonschema:"the Worker's name"`
	Branch  string `json:"branch,omitempty" jsonschema:"the branch to build (or commit)"`
	Commit  string `json:"commit,omitempty" jsonschema:"the commit to build (or branch)"`
	Trigger string `json:"trigger,omitempty" jsonschema:"the trigger to build with, by name (default: the one whose branch filters take the branch; refused when none does)"`
}

type writeOut struct {
	BuildUUID string `json:"build_uuid" jsonschema:"the build cancelled, or the one started"`
	Trigger   string `json:"trigger,omitempty" jsonschema:"the trigger the build started with"`
	Message   string `json:"message"`
}

// refuseWrites answers a call to a write tool the server does not offer
// with how to allow it, instead of "unknown tool".
func refuseWrites(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method == "tools/call" {
			if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok && slices.Contains(writeTools, p.Name) {
				return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{
					Text: p.Name + " is off: cfbuilds mcp serves read-only tools unless it is started with --allow-writes"}}}, nil
			}
		}
		return next(ctx, method, req)
	}
}

func (s *Server) cancelBuild(ctx context.Context, _ *mcp.CallToolRequest, in buildIn) (*mcp.CallToolResult, writeOut, error) {
	if err := checkUUID(in.BuildUUID); err != nil {
		return nil, writeOut{}, err
	}
	res, err := s.o.Source.Cancel(ctx, in.BuildUUID)
	s.audit("cancel build %s: %s", model.SanitizeInline(in.BuildUUID), outcome(err, "outcome "+orWord(string(res.Outcome), "pending")))
	if err != nil {
		// Idempotent as its hint says: a build that has stopped (a second
		// call, or it ended meanwhile) is answered, not an error.
		if b, gerr := s.o.Source.Build(model.WithFresh(ctx), in.BuildUUID); gerr == nil && b.Finished() {
			return nil, writeOut{BuildUUID: in.BuildUUID, Message: "already stopped (" + string(b.State()) + "): nothing to cancel"}, nil
		}
		return nil, writeOut{}, err
	}
	return nil, writeOut{BuildUUID: in.BuildUUID, Message: "cancel requested"}, nil
}

func (s *Server) rebuildBuild(ctx context.Context, _ *mcp.CallToolRequest, in rebuildIn) (*mcp.CallToolResult, writeOut, error) {
	if err := checkUUID(in.BuildUUID); err != nil {
		return nil, writeOut{}, err
	}
	b, err := s.o.Source.Build(ctx, in.BuildUUID)
	if err != nil {
		return nil, writeOut{}, err
	}
	trs, err := s.o.Source.Triggers(ctx, model.Worker{Tag: b.WorkerTag, Name: b.WorkerName})
	if err != nil {
		return nil, writeOut{}, err
	}
	t := b.Trigger
	if i := slices.IndexFunc(trs, func(x model.Trigger) bool { return x.TriggerUUID == b.Trigger.TriggerUUID }); i >= 0 {
		t = trs[i]
	}
	id, err := s.o.Source.StartBuild(ctx, t.TriggerUUID, b.Meta.Branch, b.Meta.CommitHash, in.PurgeCache)
	s.audit("rebuild of %s (trigger %s, purge %v): %s", model.SanitizeInline(in.BuildUUID), model.SanitizeInline(t.TriggerUUID), in.PurgeCache, outcome(err, "started "+id))
	if err != nil {
		return nil, writeOut{}, err
	}
	return nil, writeOut{BuildUUID: id, Message: "started; watch_build follows it"}, nil
}

func (s *Server) buildBranch(ctx context.Context, _ *mcp.CallToolRequest, in branchIn) (*mcp.CallToolResult, writeOut, error) {
	if in.Branch == "" && in.Commit == "" {
		return nil, writeOut{}, fmt.Errorf("give a branch or a commit to build")
	}
	for _, f := range [][2]string{{"worker", in.Worker}, {"branch", in.Branch}, {"trigger", in.Trigger}} {
		if err := checkText(f[0], f[1], 255); err != nil {
			return nil, writeOut{}, err
		}
	}
	if in.Commit != "" {
		if err := checkCommit(in.Commit); err != nil {
			return nil, writeOut{}, err
		}
	}
	ws, err := s.o.Source.Workers(ctx)
	if err != nil {
		return nil, writeOut{}, err
	}
	i := slices.IndexFunc(ws, func(w model.Worker) bool { return w.Name == in.Worker })
	if i < 0 {
		return nil, writeOut{}, fmt.Errorf("no Worker named %q (list_workers gives their names)", model.SanitizeInline(in.Worker))
	}
	trs, err := s.o.Source.Triggers(ctx, ws[i])
	if err != nil {
		return nil, writeOut{}, err
	}
	t, err := model.PickTrigger(trs, in.Trigger, in.Branch)
	if err != nil {
		var none *model.NoTriggerError
		if errors.As(err, &none) {
			return nil, writeOut{}, fmt.Errorf("%w (pass trigger: NAME)", err)
		}
		return nil, writeOut{}, err
	}
	id, err := s.o.Source.StartBuild(ctx, t.TriggerUUID, in.Branch, in.Commit, false)
	s.audit("build of %s branch %q commit %q with trigger %q: %s", model.SanitizeInline(in.Worker), model.SanitizeInline(in.Branch),
		model.SanitizeInline(in.Commit), model.SanitizeInline(t.TriggerName), outcome(err, "started "+id))
	if err != nil {
		return nil, writeOut{}, err
	}
	name := clip(t.TriggerName, 200)
	return nil, writeOut{BuildUUID: id, Trigger: name, Message: "started with trigger " + name + "; watch_build follows it"}, nil
}

func outcome(err error, ok string) string {
	if err != nil {
		return "failed: " + model.SanitizeInline(err.Error())
	}
	return ok
}
