package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/shared"
	"github.com/cfbuilds/cfbuilds/api/sim"
)

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// rig is an MCP client connected over memory to a server over a simulated
// account on loopback.
type rig struct {
	sim      *sim.Sim
	src      *shared.Source
	cs       *mcp.ClientSession
	audit    *syncBuf
	mu       sync.Mutex
	progress []string
}

func newRig(t testing.TB, o sim.Options, allowWrites bool, token ...string) *rig {
	t.Helper()
	r := &rig{sim: sim.New(o), audit: &syncBuf{}}
	tok := r.sim.Token()
	if len(token) > 0 {
		tok = token[0]
	}
	sv, err := r.sim.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := api.New(r.sim.AccountID(), tok, api.WithBaseURL(sv.URL), api.WithScheduler(api.NewScheduler(0)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); _ = sv.Close(); c.Close() })
	src := shared.New(ctx, c, shared.Fresh{Active: time.Second, Idle: 5 * time.Second, Log: 200 * time.Millisecond})
	r.src = src
	s := New(Options{Source: src, AllowWrites: allowWrites, Audit: r.audit, Poll: 100 * time.Millisecond, Version: "test"})
	st, ct := mcp.NewInMemoryTransports()
	if _, err := s.MCP().Connect(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			r.mu.Lock()
			r.progress = append(r.progress, req.Params.Message)
			r.mu.Unlock()
		},
	})
	if r.cs, err = client.Connect(ctx, ct, nil); err != nil {
		t.Fatal(err)
	}
	return r
}

// call calls a tool and decodes its structured result into out; it returns
// the text content and whether the call was an error.
func (r *rig) call(t testing.TB, ctx context.Context, name string, args map[string]any, out any) (string, bool) {
	t.Helper()
	params := &mcp.CallToolParams{Name: name, Arguments: args}
	res, err := r.cs.CallTool(ctx, params)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	if out != nil && !res.IsError {
		raw, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %v in %s", name, err, raw)
		}
	}
	return text.String(), res.IsError
}

// Every read tool, with its schema; writes absent and refused with how to
// allow them (#22).
func TestReadTools(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 3, PushEvery: -1, History: 3, Seed: 8}, false)
	ctx := context.Background()
	tools, err := r.cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
		if tl.Description == "" || tl.InputSchema == nil {
			t.Errorf("%s lacks a description or a schema", tl.Name)
		}
	}
	if got := strings.Join(names, ","); got != "get_build,get_build_log,get_stats,list_builds,list_workers,watch_build,watch_commit" {
		t.Fatalf("tools: %s", got)
	}
	var ws listWorkersOut
	r.call(t, ctx, "list_workers", nil, &ws)
	if len(ws.Workers) != 3 || ws.Workers[0].Latest == nil {
		t.Fatalf("list_workers: %+v", ws)
	}
	var bs listBuildsOut
	r.call(t, ctx, "list_builds", map[string]any{"limit": 4}, &bs)
	if len(bs.Builds) != 4 {
		t.Fatalf("list_builds: %+v", bs)
	}
	var one listBuildsOut
	r.call(t, ctx, "list_builds", map[string]any{"worker": ws.Workers[1].Name}, &one)
	for _, b := range one.Builds {
		if b.Worker != ws.Workers[1].Name {
			t.Fatalf("list_builds of %s gave %s", ws.Workers[1].Name, b.Worker)
		}
	}
	text, isErr := r.call(t, ctx, "cancel_build", map[string]any{"build_uuid": bs.Builds[0].UUID}, nil)
	if !isErr || !strings.Contains(text, "--allow-writes") {
		t.Fatalf("a write without --allow-writes: %v %q", isErr, text)
	}
	if n := r.sim.Requests()["cancel"]; n != 0 {
		t.Fatalf("%d cancels sent", n)
	}
}

// failedLog is a failed install of n lines with hostile escapes in them.
func failedLog(n int) []string {
	lines := []string{"Installing project dependencies: npm ci"}
	for i := range n {
		lines = append(lines, fmt.Sprintf("added package %d \x1b]0;PWNED\x07", i))
	}
	return append(lines, "npm ERR! code ERESOLVE", "Failed: error occurred while installing tools or dependencies")
}

// A long failed build: get_build names the phase, the first error and its
// hint; get_build_log is bounded by default and failed_only gives the lines
// around the first error, small either way (BenchmarkLogAnswers measures
// them on 100,000 lines).
func TestFailedBuildExplainedAndLogBounded(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 2, PushEvery: -1, History: 1, Seed: 8}, false)
	lines := failedLog(5000)
	id := r.sim.Inject(sim.Spec{Outcome: "fail", CommitMessage: "evil \x1b[2J\x1b]52;c;cHduZWQ=\x07 title", Lines: lines, LineEvery: time.Nanosecond, QueueFor: time.Millisecond})
	ctx := context.Background()
	var w watchOut
	r.call(t, ctx, "watch_build", map[string]any{"build_uuid": id, "timeout_seconds": 60}, &w)
	if !w.Stopped || w.Outcome != "fail" || !strings.Contains(w.FirstError, "npm ERR! code ERESOLVE") || len(w.LogTail) != 20 {
		t.Fatalf("watch_build: %+v", w)
	}
	var b getBuildOut
	text, _ := r.call(t, ctx, "get_build", map[string]any{"build_uuid": id}, &b)
	if b.FailedPhase != "install" || !strings.Contains(b.FirstError, "ERESOLVE") || strings.ContainsAny(text, "\x1b\x07") {
		t.Fatalf("get_build: %+v", b)
	}
	var def, failed logOut
	defText, _ := r.call(t, ctx, "get_build_log", map[string]any{"build_uuid": id}, &def)
	failedText, _ := r.call(t, ctx, "get_build_log", map[string]any{"build_uuid": id, "failed_only": true}, &failed)
	if len(def.Lines) != defaultLogLines || def.TotalLines != len(lines) || !strings.Contains(def.Note, "left out") {
		t.Fatalf("default log: %d lines of %d, note %q", len(def.Lines), def.TotalLines, def.Note)
	}
	if len(failed.Lines) == 0 || len(failed.Lines) > 30 || !strings.Contains(strings.Join(failed.Lines, "\n"), "npm ERR! code ERESOLVE") {
		t.Fatalf("failed_only: %+v", failed)
	}
	for _, s := range []string{defText, failedText} {
		if strings.ContainsAny(s, "\x1b\x07") {
			t.Fatal("an escape sequence reached the agent")
		}
	}
	t.Logf("get_build_log on a %d-line failed log: default %d bytes, failed_only %d bytes", len(lines), len(defText), len(failedText))
}

// watch_build sends progress while it waits and ends when the client
// cancels; the write tools, allowed, send one request each and are audited.
func TestWatchProgressCancelAndWrites(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 2, PushEvery: -1, History: 1, Seed: 8}, true)
	id := r.sim.Inject(sim.Spec{Lines: []string{"Cloning repository..."}, RunFor: time.Hour, QueueFor: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.cs.CallTool(ctx, &mcp.CallToolParams{Name: "watch_build", Arguments: map[string]any{"build_uuid": id}, Meta: mcp.Meta{"progressToken": "w1"}})
		done <- err
	}()
	for range 5000 { // until a progress notification came
		r.mu.Lock()
		n := len(r.progress)
		r.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	r.mu.Lock()
	if len(r.progress) == 0 || !strings.Contains(r.progress[0], "so far") {
		t.Fatalf("progress: %q", r.progress)
	}
	r.mu.Unlock()
	// While it waits, one look at the build a poll (here 100 ms; 3 s by
	// default: 20 a minute), nothing else.
	before := r.sim.Requests()["total"]
	for range 10 {
		r.mu.Lock()
		n := len(r.progress)
		r.mu.Unlock()
		for {
			r.mu.Lock()
			m := len(r.progress)
			r.mu.Unlock()
			if m > n {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	if spent := r.sim.Requests()["total"] - before; spent > 11 {
		t.Fatalf("%d requests over 10 polls of a wait", spent)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled wait returned no error")
	}
	var out writeOut
	if text, isErr := r.call(t, context.Background(), "cancel_build", map[string]any{"build_uuid": id}, &out); isErr {
		t.Fatalf("cancel_build: %s", text)
	}
	if n := r.sim.Requests()["cancel"]; n != 1 || !strings.Contains(r.audit.String(), "cancel build "+id) {
		t.Fatalf("%d cancels, audit %q", n, r.audit.String())
	}
}

// A read-only token's write gets the permission message the CLI gives.
func TestWriteWithAReadOnlyToken(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Workers: 2, PushEvery: -1, History: 1, Seed: 8}, true, sim.DefaultReadOnlyToken)
	id := r.sim.Inject(sim.Spec{Lines: []string{"x"}, RunFor: time.Hour})
	text, isErr := r.call(t, context.Background(), "cancel_build", map[string]any{"build_uuid": id}, nil)
	if !isErr || !strings.Contains(text, "add Workers CI Edit to the API token") {
		t.Fatalf("%v %q", isErr, text)
	}
}

// BenchmarkLogAnswers reports the size of get_build_log's answers on a
// failed log of 100,000 lines: by default and with failed_only.
func BenchmarkLogAnswers(b *testing.B) {
	r := newRig(b, sim.Options{Workers: 2, PushEvery: -1, History: 1, Seed: 8}, false)
	id := r.sim.Inject(sim.Spec{Outcome: "fail", Lines: failedLog(100_000), LineEvery: time.Nanosecond, QueueFor: time.Millisecond})
	r.call(b, context.Background(), "watch_build", map[string]any{"build_uuid": id}, nil) // until it has stopped
	for range b.N {
		for _, failed := range []bool{false, true} {
			res, err := r.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_build_log", Arguments: map[string]any{"build_uuid": id, "failed_only": failed}})
			if err != nil {
				b.Fatal(err)
			}
			raw, _ := json.Marshal(res.Content)
			name := "bytes-default"
			if failed {
				name = "bytes-failed_only"
			}
			b.ReportMetric(float64(len(raw)), name)
		}
	}
}
