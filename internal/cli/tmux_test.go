package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"

	gossh "golang.org/x/crypto/ssh"
)

// tmuxSession runs the built binary in a real terminal: a private tmux
// server, a pane of a fixed size.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the real-terminal tests skip (CI installs it)")
	}
}

// The binary the terminal tests run, built once for all of them.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
}

// sessions numbers the tmux servers of this test process.
var sessions atomic.Int64

// TestMain removes the binary the terminal tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "cfbuilds-test-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "cfbuilds")
		built.out, built.err = exec.Command("go", "build", "-o", built.bin, "../..").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.bin
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func startTmux(t *testing.T, w, h int, env map[string]string, command string) *tmuxSession {
	t.Helper()
	// A socket of its own: a server killed by the last test's cleanup may
	// still be exiting when the next test starts.
	s := &tmuxSession{t: t, socket: fmt.Sprintf("cfbuilds-test-%d-%d", os.Getpid(), sessions.Add(1)), name: "main"}
	// A server with clipboard writes on, so an OSC 52 that got through
	// would show up as a paste buffer.
	s.tmux("-f", "/dev/null", "new-session", "-d", "-s", "setup", "-x", "20", "-y", "5")
	s.tmux("set-option", "-g", "set-clipboard", "on")
	s.tmux("set-option", "-g", "allow-rename", "on")
	var envs []string
	for k, v := range env {
		envs = append(envs, k+"="+v)
	}
	s.tmux("new-session", "-d", "-s", s.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"export TERM=tmux-256color "+strings.Join(envs, " ")+"; "+command+"; sleep 60")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", s.name) }

func (s *tmuxSession) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// waitFor polls the screen until cond holds; it fails with the last screen.
func (s *tmuxSession) waitFor(what string, cond func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := s.screen()
		if cond(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s; the screen shows:\n%s", what, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func shows(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

// TestTerminal runs the binary against the simulator in tmux: the list, the
// log, the cancel dialog, exactly one cancel; and hostile text stays inert.
func TestTerminal(t *testing.T) {
	t.Parallel()
	needTmux(t)
	bin := buildBinary(t)
	s, env := simEnvFor(t, sim.Options{Workers: 3, PushEvery: -1, History: 2})
	hostile := "\x1b]0;PWNED-TITLE\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b[H"
	lines := []string{"cloning " + hostile + "done", "installing \x1b[31mred\x1b[0m", "building " + hostile}
	for i := 0; i < 200; i++ {
		lines = append(lines, fmt.Sprintf("step %d", i))
	}
	id := s.Inject(sim.Spec{Worker: "auth-service", Branch: "evil" + hostile + "-branch", Author: "mallory" + hostile,
		CommitMessage: "Harmless title" + hostile + "\n\nbody " + hostile + " [link](http://evil.example)",
		Lines:         lines, LineEvery: 300 * time.Millisecond, QueueFor: 500 * time.Millisecond})
	env["XDG_CONFIG_HOME"] = t.TempDir()
	ts := startTmux(t, 120, 40, env, bin)
	title := strings.TrimSpace(ts.tmux("display-message", "-p", "-t", ts.name, "#{pane_title}"))

	ts.waitFor("the build list", shows("Harmless title"))
	scr := ts.waitFor("the log to grow", shows("step 3"))
	if !strings.Contains(scr, "cfbuilds") || !strings.Contains(scr, "? help") {
		t.Fatalf("header or status bar missing:\n%s", scr)
	}
	if strings.Contains(scr, "PWNED") {
		t.Fatalf("the title sequence's text leaked:\n%s", scr)
	}
	ts.keys("c")
	ts.waitFor("the cancel dialog", shows("Cancel this build?"))
	ts.keys("y")
	ts.waitFor("the cancelled state", shows("cancelled"))
	if n := s.Requests()["cancel"]; n != 1 {
		t.Fatalf("the simulator received %d cancels, want exactly 1", n)
	}
	for _, b := range s.Builds() {
		if b.UUID == id && b.Outcome != "cancelled" {
			t.Fatalf("build outcome %q", b.Outcome)
		}
	}
	if now := strings.TrimSpace(ts.tmux("display-message", "-p", "-t", ts.name, "#{pane_title}")); now != title {
		t.Fatalf("pane title changed from %q to %q", title, now)
	}
	if bufs := strings.TrimSpace(ts.tmux("list-buffers")); bufs != "" {
		t.Fatalf("an OSC 52 reached tmux's clipboard: %q", bufs)
	}
	// The screen is intact: header on the first line, status bar on the last.
	rows := strings.Split(strings.TrimRight(ts.screen(), "\n"), "\n")
	if !strings.HasPrefix(rows[0], "cfbuilds") || !strings.Contains(rows[len(rows)-1], "help") {
		t.Fatalf("screen garbled:\n%s", strings.Join(rows, "\n"))
	}
	ts.keys("q")
	ts.waitFor("the program to quit", func(s string) bool { return !strings.Contains(s, "Builds") })
}

// TestTerminalWithoutCredentials: no token, no --demo: a message before the
// screen is taken, exit 2.
func TestTerminalWithoutCredentials(t *testing.T) {
	t.Parallel()
	needTmux(t)
	bin := buildBinary(t)
	ts := startTmux(t, 100, 10, map[string]string{"XDG_CONFIG_HOME": t.TempDir()}, bin+"; echo exit=$?")
	scr := ts.waitFor("the message", shows("exit="))
	if !strings.Contains(scr, "CLOUDFLARE_API_TOKEN is not set") || !strings.Contains(scr, "--demo") || !strings.Contains(scr, "exit=2") {
		t.Fatalf("screen:\n%s", scr)
	}
}

// startProgram runs the binary against a simulator in tmux; the pane prints
// "exited=<code>" when the program ends.
func startProgram(t *testing.T, o sim.Options, extraEnv map[string]string, args string) (*tmuxSession, *sim.Sim, map[string]string, string) {
	t.Helper()
	bin := buildBinary(t)
	s, env := simEnvFor(t, o)
	env["XDG_CONFIG_HOME"] = t.TempDir()
	for k, v := range extraEnv {
		env[k] = v
	}
	ts := startTmux(t, 100, 30, env, bin+" "+args+"; echo exited=$?")
	return ts, s, env, bin
}

func (s *tmuxSession) format(f string) string {
	return strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, f))
}

func TestTerminalKinds(t *testing.T) {
	t.Parallel()
	needTmux(t)
	for _, term := range []string{"dumb", "screen", "tmux-256color"} {
		t.Run(term, func(t *testing.T) {
			ts, _, _, _ := startProgram(t, sim.Options{Workers: 2, PushEvery: -1, History: 2}, map[string]string{"TERM": term}, "; echo term=$TERM")
			ts.waitFor("the list under TERM="+term, shows("Builds  4 builds"))
			ts.keys("q")
			ts.waitFor("exit", shows("term="+term)) // the program really ran under that TERM
		})
	}
}

func TestNoColorAndNoAltScreen(t *testing.T) {
	t.Parallel()
	needTmux(t)
	ts, _, _, _ := startProgram(t, sim.Options{Workers: 2, PushEvery: -1, History: 2}, map[string]string{"NO_COLOR": "1"}, "--no-alt-screen")
	ts.waitFor("the list", shows("Builds  4 builds"))
	if ts.format("#{alternate_on}") != "0" {
		t.Fatal("--no-alt-screen still switched to the alternate screen")
	}
	withEsc := ts.tmux("capture-pane", "-p", "-e", "-t", ts.name)
	for _, code := range []string{"\x1b[3", "\x1b[9", "\x1b[4", "38;", "48;"} {
		if strings.Contains(withEsc, code) {
			t.Fatalf("NO_COLOR screen carries colour %q:\n%q", code, withEsc)
		}
	}
	ts.keys("q")
	ts.waitFor("exit", shows("exited=0"))
}

// TestSignalsRestoreTerminal: SIGTERM and SIGHUP end the program and give the
// terminal back (alternate screen left).
func TestSignalsRestoreTerminal(t *testing.T) {
	t.Parallel()
	needTmux(t)
	for _, sig := range []string{"TERM", "HUP"} {
		t.Run(sig, func(t *testing.T) {
			ts, _, _, bin := startProgram(t, sim.Options{Workers: 2, PushEvery: -1, History: 2}, nil, "")
			ts.waitFor("the list", shows("Builds  4 builds"))
			if ts.format("#{alternate_on}") != "1" {
				t.Fatal("not on the alternate screen")
			}
			// Only this pane's program: the other tests run the same binary.
			shell := ts.format("#{pane_pid}")
			if out, err := exec.Command("pkill", "-"+sig, "-P", shell, "-f", "^"+bin).CombinedOutput(); err != nil {
				t.Fatalf("pkill: %v %s", err, out)
			}
			ts.waitFor("exit", shows("exited="))
			if ts.format("#{alternate_on}") != "0" {
				t.Fatal("the alternate screen was not left")
			}
		})
	}
}

// TestCtrlCWhileRequestsHang: every API call hangs for a minute; ctrl+c
// still ends the program at once.
func TestCtrlCWhileRequestsHang(t *testing.T) {
	t.Parallel()
	needTmux(t)
	ts, s, _, _ := startProgram(t, sim.Options{Workers: 2, PushEvery: -1, Faults: sim.Faults{Latency: time.Minute}}, nil, "")
	ts.waitFor("the dashboard", shows("loading"))
	// Wait until a request is in the simulator, hanging.
	ts.waitFor("a hanging request", func(string) bool { return s.Requests()["total"] > 0 })
	ts.keys("C-c")
	// The requests hang for a minute; waitFor gives up long before that, so
	// an exit seen here did not wait for them.
	ts.waitFor("exit", shows("exited="))
	if n := s.Requests()["total"]; n == 0 {
		t.Fatal("no request was hanging: the test proved nothing")
	}
}

// TestDebugSessionNeverShowsToken runs a faulted session with --debug and
// searches every byte written to the terminal and the debug log for the token.
func TestDebugSessionNeverShowsToken(t *testing.T) {
	t.Parallel()
	needTmux(t)
	dir := t.TempDir()
	debug := filepath.Join(dir, "debug.log")
	rawOut := filepath.Join(dir, "pane.raw")
	ts, s, _, _ := startProgram(t, sim.Options{Workers: 3, PushEvery: 2 * time.Second, History: 2}, nil, "--debug "+debug)
	ts.tmux("pipe-pane", "-o", "-t", ts.name, "cat >> "+rawOut)
	ts.waitFor("the list", shows("Builds"))
	// Then every answer fails, in every way the simulator knows: errors
	// reach the screen whatever the client's retries do.
	s.SetFaults(sim.Faults{Server5xx: 0.6, HTML502: 0.2, Malformed: 0.1, Truncated: 0.05, Reset: 0.05})
	for _, k := range []string{"r", "j", "enter", "?", "Escape", "tab", "c", "Escape", "r"} {
		ts.keys(k)
		time.Sleep(200 * time.Millisecond)
	}
	// Some error was drawn at some point (every byte drawn is in rawOut).
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(rawOut)
		if strings.Contains(string(b), "error:") || strings.Contains(string(b), "error, retry") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no error was ever drawn: the faults did not reach the screen; it shows:\n%s", ts.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.keys("q")
	ts.waitFor("exit", shows("exited=0"))
	for _, f := range []string{debug, rawOut} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			t.Fatalf("%s is empty: the test would prove nothing", f)
		}
		if strings.Contains(string(b), s.Token()) {
			t.Fatalf("the token appears in %s", f)
		}
	}
}

// TestCancelAsksOnATerminal: without --yes, cancel asks; the default is No.
func TestCancelAsksOnATerminal(t *testing.T) {
	t.Parallel()
	needTmux(t)
	bin := buildBinary(t)
	s, env := simEnvFor(t, sim.Options{Workers: 2, PushEvery: -1})
	id := s.Inject(sim.Spec{Worker: "api-gateway", Branch: "feature/x", Lines: []string{"a"}, LineEvery: time.Hour})
	ts := startTmux(t, 120, 10, env, bin+" cancel "+id+"; echo exited=$?; "+bin+" cancel "+id+"; echo again=$?")
	ts.waitFor("the question", shows("Cancel the build of api-gateway on feature/x"))
	ts.keys("Enter") // the default: No
	ts.waitFor("the refusal", shows("Not cancelled."))
	ts.waitFor("the second question", shows("exited=0"))
	if n := s.Requests()["cancel"]; n != 0 {
		t.Fatalf("%d cancels after answering No", n)
	}
	ts.waitFor("the second question", func(scr string) bool { return strings.Count(scr, "Cancel the build of") == 2 })
	ts.keys("y", "Enter")
	ts.waitFor("the cancel", shows("again=0"))
	if n := s.Requests()["cancel"]; n != 1 {
		t.Fatalf("%d cancels after answering y", n)
	}
}

// TestKeyBurstInTerminal: keys that arrive in one read (tmux send-keys of a
// string, as over SSH) act as that many presses: jjj moves three rows.
func TestKeyBurstInTerminal(t *testing.T) {
	t.Parallel()
	needTmux(t)
	bin := buildBinary(t)
	s, env := simEnvFor(t, sim.Options{Workers: 3, PushEvery: -1, History: 3})
	env["XDG_CONFIG_HOME"] = t.TempDir()
	ts := startTmux(t, 120, 40, env, bin)
	all := s.Builds() // newest first, as the list shows them
	ts.waitFor("every build", shows(fmt.Sprintf("%d builds", len(all))))
	ts.keys("jjj")
	// The row under ▸ and the log pane's title name the fourth build's commit.
	short := all[3].Commit[:7]
	ts.waitFor("the fourth build under ▸, its log loaded", func(scr string) bool {
		for _, l := range strings.Split(scr, "\n") {
			if strings.HasPrefix(l, "▸") && strings.Contains(l, short) {
				return strings.Contains(scr, "Log "+all[3].Worker+" "+short)
			}
		}
		return false
	})
}

// TestServeOverSSH drives the real ssh command against cfbuilds serve
// --demo: an operator and a read-only teammate, each their own dashboard.
func TestServeOverSSH(t *testing.T) {
	t.Parallel()
	needTmux(t)
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("ssh is not installed: the serve-over-ssh test skips (CI installs openssh-client)")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	var authorized strings.Builder
	keyFile := func(name, comment string) string {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		block, err := gossh.MarshalPrivateKey(priv, comment)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		signer, _ := gossh.NewSignerFromKey(priv)
		authorized.WriteString(strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment + "\n")
		return path
	}
	op := keyFile("op", "alice@laptop")
	operators := authorized.String()
	authorized.Reset()
	ro := keyFile("ro", "bob@desk operator") // a comment gives no role
	keys, opsFile := filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "operators")
	if err := os.WriteFile(keys, []byte(authorized.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(opsFile, []byte(operators), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	server := startTmux(t, 160, 10, map[string]string{"HOME": dir, "XDG_STATE_HOME": filepath.Join(dir, "state")},
		fmt.Sprintf("%s serve --demo --authorized-keys %s --operators %s --listen %s", bin, keys, opsFile, addr))
	server.waitFor("the server listening", shows("listening on "+addr))
	// SIGHUP (what killing tmux sends) reloads serve's keys, so the test
	// ends the server itself.
	serverShell := server.format("#{pane_pid}")
	t.Cleanup(func() { _ = exec.Command("pkill", "-TERM", "-P", serverShell, "-f", "^"+bin).Run() })
	sshTo := func(key string) string {
		return fmt.Sprintf("ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR -i %s -p %s builds@127.0.0.1", key, port)
	}
	alice := startTmux(t, 120, 40, nil, sshTo(op))
	alice.waitFor("the operator's dashboard", shows("Builds"))
	bob := startTmux(t, 90, 30, nil, sshTo(ro))
	bob.waitFor("the read-only dashboard", shows("Builds"))
	alice.waitFor("two connected", shows("2 connected"))
	bob.keys("c")
	bob.waitFor("the refusal", shows("read-only: cancel is off"))
	alice.keys("?")
	alice.waitFor("alice's help, not read-only", func(s string) bool { return strings.Contains(s, "cancel") && !strings.Contains(s, "read-only") })
	bob.keys("q")
	server.waitFor("the server logs bob's end", shows("session closed"))
	alice.keys("Escape")
	alice.waitFor("one connected", shows("1 connected"))
	// The key files are read again when they change, and on SIGHUP, which
	// no longer stops the server (#26.8).
	keyFile("carol", "carol@desk")
	if err := os.WriteFile(keys, []byte(authorized.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	server.waitFor("a reload on change", shows("keys reloaded (changed)"))
	shell := server.format("#{pane_pid}")
	if out, err := exec.Command("pkill", "-HUP", "-P", shell, "-f", "^"+bin).CombinedOutput(); err != nil {
		t.Fatalf("pkill: %v %s", err, out)
	}
	server.waitFor("a reload on SIGHUP", shows("keys reloaded (SIGHUP)"))
	alice.keys("j")
	alice.waitFor("alice still served", shows("1 connected"))
}

// TestTerminalSaysWhatIsTrue (#35.12-16) in a real terminal at 80x24 with
// build events: the bar says the news comes from events; R opens its
// dialog; a cut explanation is whole behind !; a filter that matches
// nothing leaves no log of the build that was shown.
func TestTerminalSaysWhatIsTrue(t *testing.T) {
	t.Parallel()
	needTmux(t)
	bin := buildBinary(t)
	s, env := simEnvFor(t, sim.Options{Workers: 3, PushEvery: -1, History: 2})
	s.SetupEvents("cfbuilds-events")
	env["CFBUILDS_EVENTS_QUEUE"] = "cfbuilds-events"
	env["XDG_CONFIG_HOME"], env["XDG_STATE_HOME"], env["XDG_CACHE_HOME"] = t.TempDir(), t.TempDir(), t.TempDir()
	s.Inject(sim.Spec{Worker: "auth-service", CommitMessage: "The newest", Lines: []string{"a-line-only-this-build-has"}, RunFor: time.Hour, QueueFor: 100 * time.Millisecond})
	ts := startTmux(t, 80, 24, env, bin+" --read-only")
	ts.waitFor("the log of the newest build", shows("a-line-only-this-build-has"))
	ts.waitFor("the news from events in the bar", shows("events"))
	ts.keys("R")
	ts.waitFor("R's refusal", shows("read-only"))
	ts.keys("!")
	scr := ts.waitFor("the whole explanation", shows("without it to act"))
	if !strings.Contains(strings.Join(strings.Fields(scr), " "), "read-only: rebuild is off (started with --read-only; run cfbuilds without it to act)") {
		t.Fatalf("! does not show the explanation whole:\n%s", scr)
	}
	ts.keys("Escape")
	ts.keys("/")
	ts.tmux("send-keys", "-t", ts.name, "-l", "no-such-build-anywhere")
	ts.keys("Enter")
	ts.waitFor("an empty log", func(s string) bool { return !strings.Contains(s, "a-line-only-this-build-has") })
	ts.keys("c")
	scr = ts.waitFor("c with no build", shows("no build selected"))
	if strings.Contains(scr, "Cancel this build?") {
		t.Fatalf("c opened a dialog for a build the list does not show:\n%s", scr)
	}
	ts.keys("q")
}
