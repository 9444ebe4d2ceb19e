package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
)

// cfbuilds mcp as a subprocess against the simulator, spoken to in
// newline-delimited JSON-RPC on its stdin and stdout (#22): stdout holds
// protocol messages only.
func TestMCPOverStdio(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	_, env := simEnvFor(t, sim.Options{Workers: 3, PushEvery: -1, History: 2, Seed: 4})
	cmd := exec.Command(bin, "mcp")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	out := bufio.NewScanner(stdout)
	out.Buffer(make([]byte, 1<<20), 16<<20)
	send := func(msg string) { fmt.Fprintln(stdin, msg) }
	reply := func(id int) map[string]any {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) && out.Scan() {
			var m map[string]any
			if err := json.Unmarshal(out.Bytes(), &m); err != nil {
				t.Fatalf("stdout holds a line that is not JSON-RPC: %q", out.Text())
			}
			if n, ok := m["id"].(float64); ok && int(n) == id {
				return m
			}
		}
		t.Fatalf("no reply %d; stderr: %s", id, stderr.String())
		return nil
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`)
	if r := reply(1); r["result"] == nil {
		t.Fatalf("initialize: %v", r)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	tools, _ := json.Marshal(reply(2))
	if !strings.Contains(string(tools), `"watch_build"`) || strings.Contains(string(tools), `"cancel_build"`) {
		t.Fatalf("tools/list: %s", tools)
	}
	send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_workers","arguments":{}}}`)
	res, _ := json.Marshal(reply(3))
	if !strings.Contains(string(res), `"workers"`) || strings.Contains(string(res), `"isError":true`) {
		t.Fatalf("list_workers: %s", res)
	}
}
