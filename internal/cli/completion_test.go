package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cfbuilds/cfbuilds/api/sim"
)

// TestCompletion (#37.7): the bash script registers itself (complete -p)
// and completes commands, flags and --worker's Worker names; the names
// come from the cache after the first listing: no request per keystroke.
func TestCompletion(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	s, env := simEnvFor(t, sim.Options{Workers: 4, PushEvery: -1, History: 1})
	env["XDG_CACHE_HOME"] = t.TempDir()
	bin := t.TempDir()
	if err := os.Symlink(buildBinary(t), filepath.Join(bin, "cfbuilds")); err != nil {
		t.Fatal(err)
	}
	complete := func(words ...string) string {
		t.Helper()
		script := `source <(cfbuilds completion bash) && complete -p cfbuilds && COMP_WORDS=(` + strings.Join(words, " ") + ` "") && COMP_CWORD=` +
			strconv.Itoa(len(words)) + ` && _cfbuilds && echo "${COMPREPLY[*]}"`
		cmd := exec.Command("bash", "-c", script)
		cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH")}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return string(out)
	}
	out := complete("cfbuilds")
	if !strings.Contains(out, "complete -F _cfbuilds cfbuilds") || !strings.Contains(out, "watch") || !strings.Contains(out, "completion") || strings.Contains(out, "__complete") {
		t.Fatalf("commands: %q", out)
	}
	if out := complete("cfbuilds", "list"); !strings.Contains(out, "--worker") || !strings.Contains(out, "--json") {
		t.Fatalf("list's flags: %q", out)
	}
	for i := range 3 {
		out := complete("cfbuilds", "list", "--worker")
		for _, w := range s.Workers() {
			if !strings.Contains(out, w[0]) {
				t.Fatalf("completion %d lacks %s: %q", i, w[0], out)
			}
		}
	}
	if n := s.Requests()["workers"]; n != 1 {
		t.Fatalf("%d listings of Workers for three completions, want 1 (then the cache)", n)
	}
	for _, sh := range []string{"zsh", "fish"} {
		if code, out, _ := runCLI(t, env, "completion", sh); code != 0 || !strings.Contains(out, "__complete workers") {
			t.Fatalf("%s: %d %q", sh, code, out)
		}
	}
}
