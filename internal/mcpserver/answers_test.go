package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
)

// TestStdioSurvivesBadLines (#29.7): a line that is not JSON, a truncated
// object, an empty batch and a wrong jsonrpc each get a JSON-RPC error and
// the server goes on; at the end of stdin the calls already read are
// answered before it exits.
func TestStdioSurvivesBadLines(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 2, PushEvery: -1, History: 1, Seed: 8}, false)
	id := r.sim.Inject(sim.Spec{Lines: []string{"x"}, RunFor: 300 * time.Millisecond, QueueFor: time.Millisecond})
	s := New(Options{Source: r.src, Poll: 50 * time.Millisecond, Version: "test"})
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`this is not json`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/li`,
		`[]`,
		`{"jsonrpc":"1.0","id":3,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"watch_build","arguments":{"build_uuid":"` + id + `"}}}`,
	}, "\n") + "\n"
	var out syncBuf
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.RunStdio(ctx, strings.NewReader(in), &out); err != nil && err != io.EOF {
		t.Logf("run: %v", err)
	}
	got := map[string]map[string]any{}
	var errs []float64
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON on stdout: %q", line)
		}
		if e, ok := m["error"].(map[string]any); ok && m["id"] == nil {
			errs = append(errs, e["code"].(float64))
		}
		if id, ok := m["id"].(float64); ok {
			got[fmt.Sprint(int(id))] = m
		}
	}
	if len(errs) != 3 || errs[0] != -32700 || errs[1] != -32700 || errs[2] != -32600 {
		t.Fatalf("errors for bad lines %v, want -32700 -32700 -32600:\n%s", errs, out.String())
	}
	if e, _ := got["3"]["error"].(map[string]any); e == nil || e["code"].(float64) != -32600 {
		t.Fatalf("wrong jsonrpc: %v", got["3"])
	}
	if got["4"]["result"] == nil {
		t.Fatalf("the server stopped after bad lines:\n%s", out.String())
	}
	res, _ := json.Marshal(got["5"])
	if !strings.Contains(string(res), `"stopped":true`) {
		t.Fatalf("the pending watch was not answered before exit: %s", res)
	}
}

// TestToolSchemasAndAnnotations (#29.8, 9): enums and bounds refuse typos
// with a clear error; every tool has a title and annotations; the server
// sends instructions.
func TestToolSchemasAndAnnotations(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 2, PushEvery: -1, History: 2, Seed: 8}, true)
	ctx := context.Background()
	for _, tc := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_builds", map[string]any{"status": "success"}, "status"},
		{"list_builds", map[string]any{"limit": 5000}, "limit"},
		{"get_build", map[string]any{"build_uuid": strings.Repeat("a", 100_000)}, "build_uuid"},
		{"get_build", map[string]any{"build_uuid": "../../user/tokens"}, "build_uuid"},
		{"watch_commit", map[string]any{"commit": "not-a-sha"}, "commit"},
		{"get_build_log", map[string]any{"build_uuid": "x", "max_lines": 0}, "max_lines"},
	} {
		text, isErr := r.call(t, ctx, tc.tool, tc.args, nil)
		if !isErr || !strings.Contains(text, tc.want) {
			t.Errorf("%s %v: error %v %q, want one naming %s", tc.tool, tc.args, isErr, text, tc.want)
		}
	}
	if n := r.sim.Requests()["build"]; n != 0 {
		t.Fatalf("%d build requests for refused arguments", n)
	}
	tools, err := r.cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range tools.Tools {
		a := tool.Annotations
		if tool.Title == "" || a == nil {
			t.Fatalf("%s has no title or annotations", tool.Name)
		}
		readOnly := tool.Name != "cancel_build" && tool.Name != "rebuild_build" && tool.Name != "build_branch"
		if a.ReadOnlyHint != readOnly || (tool.Name == "cancel_build") != (a.DestructiveHint != nil && *a.DestructiveHint) {
			t.Errorf("%s: readOnly %v destructive %v", tool.Name, a.ReadOnlyHint, a.DestructiveHint)
		}
	}
	if init := r.cs.InitializeResult(); init == nil || !strings.Contains(init.Instructions, "budget") {
		t.Fatalf("instructions: %+v", init)
	}
}

// TestWatchCommitFindsAFailureBehindNewerBuilds (#29.2): the commit's build
// failed and a newer push followed on its Worker; without repo the watch
// scopes to the commit's repository and answers failed at once, not
// "still running" after its timeout.
func TestWatchCommitFindsAFailureBehindNewerBuilds(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 4, PushEvery: -1, History: 1, Seed: 3}, false)
	ws := r.sim.Workers()
	const sha, later = "c0ffee1234567890c0ffee1234567890c0ffee12", "beefbeefbeefbeefbeefbeefbeefbeefbeefbeef"
	r.sim.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha, Workers: map[string]time.Duration{ws[0][0]: 0, ws[1][0]: 0},
		Outcome: map[string]string{ws[1][0]: "fail"}, Duration: time.Millisecond})
	r.sim.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: later, Workers: map[string]time.Duration{ws[1][0]: 0}, Duration: time.Hour})
	var out commitOut
	start := time.Now()
	if text, isErr := r.call(t, context.Background(), "watch_commit", map[string]any{"commit": sha[:10], "timeout_seconds": 20}, &out); isErr {
		t.Fatal(text)
	}
	if out.Verdict != "failed" || out.Expected != 2 || time.Since(start) > 15*time.Second {
		t.Fatalf("verdict %q expecting %d after %s: %+v", out.Verdict, out.Expected, time.Since(start), out.Workers)
	}
}

// TestBuildBranchRefusesWithoutATrigger (#29.3): a branch no trigger takes
// is refused with the triggers named, no build is posted; with a trigger
// named the answer and the audit say which.
func TestBuildBranchRefusesWithoutATrigger(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 2, PushEvery: -1, History: 1, Seed: 8}, true)
	one := r.sim.Workers()[1][0] // odd Workers have only the production trigger (main)
	text, isErr := r.call(t, context.Background(), "build_branch", map[string]any{"worker": one, "branch": "feature/x"}, nil)
	if !isErr || !strings.Contains(text, `no trigger's branch filters take "feature/x"`) || !strings.Contains(text, "takes main") || !strings.Contains(text, "trigger: NAME") {
		t.Fatalf("%v %q", isErr, text)
	}
	if n := r.sim.Requests()["manual"]; n != 0 {
		t.Fatalf("%d builds posted", n)
	}
	var out writeOut
	if text, isErr := r.call(t, context.Background(), "build_branch", map[string]any{"worker": one, "branch": "feature/x", "trigger": "Deploy " + one}, &out); isErr {
		t.Fatal(text)
	}
	if out.Trigger != "Deploy "+one || !strings.Contains(r.audit.String(), `with trigger "Deploy `+one+`"`) {
		t.Fatalf("answer %+v, audit %q", out, r.audit.String())
	}
}

// TestAnswerSizes (#29.11): list_workers is bounded and says what it left
// out; get_build_log reads from the start with head and offset, says when
// grep found nothing and never says "matching" without grep; get_build
// names the commands and the trigger; durations are whole seconds.
func TestAnswerSizes(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 30, PushEvery: -1, History: 1, Seed: 8}, false)
	ctx := context.Background()
	var ws listWorkersOut
	r.call(t, ctx, "list_workers", map[string]any{"limit": 5}, &ws)
	if len(ws.Workers) != 5 || ws.Total != 30 || !strings.Contains(ws.Note, "5 of 30 Workers listed") {
		t.Fatalf("list_workers limit 5: %d workers, total %d, note %q", len(ws.Workers), ws.Total, ws.Note)
	}
	var some listWorkersOut
	r.call(t, ctx, "list_workers", map[string]any{"name_contains": "WORKER-1"}, &some)
	if len(some.Workers) != 10 || some.Note != "" {
		t.Fatalf("name_contains worker-1: %d workers, note %q", len(some.Workers), some.Note)
	}
	lines := make([]string, 500)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %d", i+1)
	}
	id := r.sim.Inject(sim.Spec{Lines: lines, LineEvery: time.Nanosecond, QueueFor: time.Millisecond})
	r.call(t, ctx, "watch_build", map[string]any{"build_uuid": id}, nil)
	var log logOut
	r.call(t, ctx, "get_build_log", map[string]any{"build_uuid": id}, &log)
	first := log.Note
	if strings.Contains(first, "matching") || !strings.Contains(first, "earlier lines left out") {
		t.Fatalf("default note %q", first)
	}
	log = logOut{}
	r.call(t, ctx, "get_build_log", map[string]any{"build_uuid": id, "head": 10, "offset": 100}, &log)
	if len(log.Lines) != 10 || log.FirstLine != 101 || !strings.Contains(log.Note, "offset 110") {
		t.Fatalf("head 10 offset 100: first %d, %d lines, note %q", log.FirstLine, len(log.Lines), log.Note)
	}
	log = logOut{}
	r.call(t, ctx, "get_build_log", map[string]any{"build_uuid": id, "grep": "no such text"}, &log)
	if len(log.Lines) != 0 || !strings.Contains(log.Note, `no line contains "no such text"`) {
		t.Fatalf("grep nothing: %d lines, note %q", len(log.Lines), log.Note)
	}
	var b getBuildOut
	r.call(t, ctx, "get_build", map[string]any{"build_uuid": r.sim.Builds()[1].UUID}, &b)
	if b.BuildCommand == "" || b.DeployCmd == "" || b.Trigger == "" || b.Author == "" {
		t.Fatalf("get_build lacks commands, trigger or author: %+v", b)
	}
	raw, _ := json.Marshal(b)
	if strings.Contains(string(raw), `"duration_seconds":`) && strings.Contains(string(raw), `"duration_seconds":0.`) {
		t.Fatalf("fractional seconds: %s", raw)
	}
}

// TestWatchCommitLive (#31): watch_commit with live answers the same
// verdict as watch --commit --live, per Worker: a gradual deployment is
// "not live" at 100% and live at 50%.
func TestWatchCommitLive(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 3, PushEvery: -1, History: 1, Seed: 3}, false)
	ws := r.sim.Workers()
	const sha = "c0ffee1234567890c0ffee1234567890c0ffee12"
	r.sim.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha, Workers: map[string]time.Duration{ws[0][0]: 0, ws[1][0]: 0},
		Deploy: map[string]string{ws[1][0]: "gradual:50"}, Duration: 100 * time.Millisecond})
	var out commitOut
	if text, isErr := r.call(t, context.Background(), "watch_commit", map[string]any{"commit": sha, "repo": "acme/monorepo", "live": true, "timeout_seconds": 2}, &out); isErr {
		t.Fatal(text)
	}
	if out.Verdict != "not live" || !strings.Contains(out.Summary, "1/2 Workers live") {
		t.Fatalf("at 100%%: %+v", out)
	}
	for _, w := range out.Workers {
		if w.Worker == ws[1][0] && (w.Deployment != "gradual" || w.Percent != 50) {
			t.Fatalf("the gradual Worker: %+v", w)
		}
	}
	out = commitOut{}
	r.call(t, context.Background(), "watch_commit", map[string]any{"commit": sha, "repo": "acme/monorepo", "live": true, "live_percent": 50, "timeout_seconds": 5}, &out)
	if out.Verdict != "live" {
		t.Fatalf("at 50%%: %+v", out)
	}
}

// statsFake answers get_stats.
type statsFake struct{}

func (statsFake) ReadStats(context.Context, time.Time) ([]model.Stats, model.Minutes, error) {
	return []model.Stats{{Key: "api", Builds: 10, Succeeded: 8, Failed: 2, Total: model.Percentiles{P50: 44 * time.Second, P95: 63 * time.Second},
		FailedPhases: map[string]int{"build": 2}, Flaky: []string{"c0ffee"}}}, model.Minutes{Used: 412.4, Included: 3000, Forecast: 1180.7}, nil
}

// TestGetStats (#32): get_stats gives the history's figures, in whole
// seconds, and says plainly when there is no history.
func TestGetStats(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 2, PushEvery: -1, History: 1, Seed: 8}, false)
	text, isErr := r.call(t, context.Background(), "get_stats", map[string]any{}, nil)
	if !isErr || !strings.Contains(text, "no build history") {
		t.Fatalf("without a history: %v %q", isErr, text)
	}
	s := New(Options{Source: r.src, Stats: statsFake{}, Version: "test"})
	st, ct := mcp.NewInMemoryTransports()
	ctx := context.Background()
	if _, err := s.MCP().Connect(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_stats", Arguments: map[string]any{"since_days": 7}})
	if err != nil || res.IsError {
		t.Fatalf("%v %+v", err, res)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	var out statsOut
	_ = json.Unmarshal(raw, &out)
	if len(out.Workers) != 1 || out.Workers[0].TotalP95 != 63 || out.Workers[0].FailureRate != 0.2 || out.Minutes.Used != 412.4 || out.Since != "7d" || out.Workers[0].FailedPhases["build"] != 2 {
		t.Fatalf("%s", raw)
	}
	// A mistyped Worker is refused with what it may have meant (#37.3).
	name := r.sim.Workers()[0][0]
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_stats", Arguments: map[string]any{"worker": name + "x"}})
	if err != nil || !res.IsError {
		t.Fatalf("a typo answered: %v %+v", err, res)
	}
	if tc, _ := res.Content[0].(*mcp.TextContent); tc == nil || !strings.Contains(tc.Text, "did you mean "+name) {
		t.Fatalf("a typo: %+v", res.Content)
	}
}

// TestWatchCommitIsPatientAndTruthful (#35): without a repository,
// watch_commit waits for a build that starts late instead of answering
// "nothing builds it"; its progress moves only as builds end; with live, a
// Worker rolled back after it was live is not live, and one deleted
// mid-watch is gone while the other is judged.
func TestWatchCommitIsPatientAndTruthful(t *testing.T) {
	t.Parallel()
	const sha = "c0ffee1234567890c0ffee1234567890c0ffee12"
	t.Run("a build that starts late", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, sim.Options{Workers: 3, PushEvery: -1, History: 1, Seed: 3}, false)
		ws := r.sim.Workers()
		r.sim.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha, Workers: map[string]time.Duration{ws[0][0]: 800 * time.Millisecond}, Duration: 300 * time.Millisecond})
		var out commitOut
		res, err := r.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "watch_commit",
			Arguments: map[string]any{"commit": sha, "timeout_seconds": 20}, Meta: mcp.Meta{"progressToken": "c1"}})
		if err != nil || res.IsError {
			t.Fatalf("%v %+v", err, res)
		}
		raw, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		if out.Verdict != "succeeded" || out.Expected != 1 {
			t.Fatalf("verdict %q expecting %d: %+v", out.Verdict, out.Expected, out)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for i := 1; i < len(r.progress); i++ {
			if r.progress[i] == r.progress[i-1] {
				t.Fatalf("progress repeated: %q", r.progress)
			}
		}
	})
	t.Run("nothing seen within the wait is running, never a verdict", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, sim.Options{Workers: 3, PushEvery: -1, History: 1, Seed: 3}, false)
		var out commitOut
		r.call(t, context.Background(), "watch_commit", map[string]any{"commit": sha, "timeout_seconds": 1}, &out)
		if out.Verdict != "running" || !strings.Contains(strings.Join(out.Notes, " "), "call again") {
			t.Fatalf("%+v", out)
		}
		r.call(t, context.Background(), "watch_commit", map[string]any{"commit": sha, "repo": "acme/monorepo", "timeout_seconds": 1}, &out)
		if out.Verdict != "nothing builds it" || !strings.Contains(out.Reason, "no Worker builds the repository acme/monorepo") {
			t.Fatalf("%+v", out)
		}
	})
	t.Run("rolled back and gone", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, sim.Options{Workers: 3, PushEvery: -1, History: 1, Seed: 3}, false)
		ws := r.sim.Workers()
		r.sim.Deploy(sim.DeploySpec{Worker: ws[0][0], Versions: []sim.DeployVersion{{Percentage: 100}}})
		r.sim.Push(sim.PushSpec{Repo: "acme/monorepo", Branch: "main", Commit: sha,
			Workers: map[string]time.Duration{ws[0][0]: 0, ws[1][0]: 0, ws[2][0]: 1200 * time.Millisecond},
			Deploy:  map[string]string{ws[0][0]: "rollback-after:300ms"}, Duration: 300 * time.Millisecond})
		if err := r.sim.DeleteMidRead(ws[1][0]); err != nil {
			t.Fatal(err)
		}
		var out commitOut
		if text, isErr := r.call(t, context.Background(), "watch_commit", map[string]any{"commit": sha, "repo": "acme/monorepo", "live": true, "timeout_seconds": 4}, &out); isErr {
			t.Fatal(text)
		}
		got := map[string]string{}
		for _, w := range out.Workers {
			got[w.Worker] = w.Deployment + " " + w.Detail
		}
		if out.Verdict != "not live" || !strings.HasPrefix(got[ws[0][0]], "uploaded rolled back to") || got[ws[1][0]] != "gone deleted" || got[ws[2][0]] != "live " {
			t.Fatalf("%q %v", out.Verdict, got)
		}
	})
}

// TestGetBuildPreviewURL (#36.6): get_build gives the build's preview_url
// when Cloudflare sends one, and nothing when it does not.
func TestGetBuildPreviewURL(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 2, PushEvery: -1, History: 1, Seed: 4}, false)
	plain := r.sim.Inject(sim.Spec{Branch: "feature/y", Outcome: "success", Lines: []string{"done"}, QueueFor: time.Millisecond})
	id := r.sim.Inject(sim.Spec{Branch: "feature/x", Outcome: "success", Lines: []string{"done"}, QueueFor: time.Millisecond})
	r.sim.SetPreviewURL(id, "https://feature-x-api.acme.workers.dev")
	var out getBuildOut
	r.call(t, context.Background(), "get_build", map[string]any{"build_uuid": plain}, &out)
	if out.PreviewURL != "" {
		t.Fatalf("a preview URL from nowhere: %q", out.PreviewURL)
	}
	out = getBuildOut{}
	r.call(t, context.Background(), "get_build", map[string]any{"build_uuid": id}, &out)
	if out.PreviewURL != "https://feature-x-api.acme.workers.dev" {
		t.Fatalf("preview_url %q", out.PreviewURL)
	}
}

// TestWatchCommitAnswersWithinItsBoundAt2000Workers (#36.4): 2,000
// Workers, all but 23 never built: watch_commit answers within its bound,
// with what it knows so far (the builds of the commit it found at once).
func TestWatchCommitAnswersWithinItsBoundAt2000Workers(t *testing.T) {
	t.Parallel()
	probe := sim.New(sim.Options{Workers: 2000, PushEvery: -1}).Workers()
	var never []string
	for _, w := range probe[23:] {
		never = append(never, w[0])
	}
	r := newRig(t, sim.Options{Workers: 2000, PushEvery: -1, History: 1, Seed: 5, NeverBuilt: never, Quota: 1 << 30}, false)
	const sha = "c0ffee1234567890c0ffee1234567890c0ffee12"
	r.sim.Push(sim.PushSpec{Repo: "acme/billing-api", Branch: "main", Commit: sha, Workers: map[string]time.Duration{probe[0][0]: 0}, Duration: time.Hour})
	var out commitOut
	start := time.Now()
	if text, isErr := r.call(t, context.Background(), "watch_commit", map[string]any{"commit": sha, "repo": "acme/billing-api", "timeout_seconds": 8}, &out); isErr {
		t.Fatal(text)
	}
	took := time.Since(start)
	if out.Verdict != "running" || out.Expected < 1 {
		t.Fatalf("after %s: %+v", took, out)
	}
	t.Logf("watch_commit at 2,000 Workers answered in %s: %s", took, out.Summary)
}

// TestSmallMCPThings (#37.9): a filtered list_builds reads on until its
// limit, or says why fewer came back; cancel_build twice answers the
// second time that the build already stopped.
func TestSmallMCPThings(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 12, PushEvery: -1, History: 4, Seed: 8}, true)
	ctx := context.Background()
	var few, many listBuildsOut
	r.call(t, ctx, "list_builds", map[string]any{"status": "succeeded", "limit": 15}, &many)
	if len(many.Builds) != 15 && many.Note == "" {
		t.Fatalf("%d builds of 15 asked, and no note", len(many.Builds))
	}
	r.call(t, ctx, "list_builds", map[string]any{"status": "cancelled", "limit": 200}, &few)
	if len(few.Builds) == 200 || !strings.Contains(few.Note, "only these match") {
		t.Fatalf("fewer than asked: %d, note %q", len(few.Builds), few.Note)
	}
	id := r.sim.Inject(sim.Spec{Lines: []string{"Cloning repository..."}, RunFor: time.Hour, QueueFor: time.Millisecond})
	var out writeOut
	if text, isErr := r.call(t, ctx, "cancel_build", map[string]any{"build_uuid": id}, &out); isErr {
		t.Fatal(text)
	}
	out = writeOut{}
	if text, isErr := r.call(t, ctx, "cancel_build", map[string]any{"build_uuid": id}, &out); isErr || !strings.Contains(out.Message, "already stopped") {
		t.Fatalf("a second cancel: %v %q %+v", isErr, text, out)
	}
}
