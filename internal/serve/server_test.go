package serve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/shared"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/tui"
)

// serveRig is cfbuilds serve on loopback over a simulator, with an
// operator's key and a read-only one.
type serveRig struct {
	sim      *sim.Sim
	client   *api.Client
	shared   *shared.Source
	srv      *Server
	addr     string
	log      *lockedBuffer
	operator gossh.Signer
	reader   gossh.Signer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newSigner(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startServe starts the server; poll is the dashboards' pace (short, so a
// test sees many polls in a few seconds).
func startServe(t testing.TB, so sim.Options, poll time.Duration, maxSessions int, tune ...func(*Config)) *serveRig {
	t.Helper()
	r := &serveRig{log: &lockedBuffer{}, operator: newSigner(t), reader: newSigner(t)}
	r.sim = sim.New(so)
	sv, err := r.sim.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sv.Close() })
	r.client, err = api.New(r.sim.AccountID(), r.sim.Token(), api.WithBaseURL(sv.URL), api.WithScheduler(api.NewScheduler(100000)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	fresh := shared.Fresh{Active: poll, Idle: 30 * time.Second, Log: poll}
	r.shared = shared.New(ctx, r.client, fresh)
	hostPEM, _, err := LoadHostKey(filepath.Join(t.TempDir(), "host_key"))
	if err != nil {
		t.Fatal(err)
	}
	keys := []AuthorizedKey{
		{key: r.operator.PublicKey(), comment: "alice@laptop operator", operator: true},
		{key: r.reader.PublicKey(), comment: "bob@desk"},
	}
	dash := tui.Options{Source: r.shared, Account: "test account", AccountID: r.sim.AccountID(),
		PollActive: fresh.Active, PollIdle: fresh.Idle, PollLog: fresh.Log}
	cfg := Config{Dashboard: dash, HostKey: hostPEM, Keys: keys, MaxSessions: maxSessions, Log: r.log}
	for _, f := range tune {
		f(&cfg)
	}
	r.srv, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go r.srv.Serve(ln)
	t.Cleanup(r.srv.Close)
	return r
}

// pushRunning starts a build on the first Worker that runs for minutes:
// the build the sessions watch.
func (r *serveRig) pushRunning() {
	name := r.sim.Workers()[0][0]
	r.sim.Push(sim.PushSpec{Repo: "acme/app", Branch: "main", Commit: "c0ffee0000000000000000000000000000000000",
		Workers: map[string]time.Duration{name: 0}, Duration: 10 * time.Minute})
}

// viewer is one person's ssh session: a pty, what it printed, its keys.
type viewer struct {
	conn  *gossh.Client
	sess  *gossh.Session
	in    interface{ Write([]byte) (int, error) }
	out   *lockedBuffer
	ended chan struct{}
}

func (r *serveRig) dial(t *testing.T, key gossh.Signer, w, h int) (*viewer, error) {
	t.Helper()
	conn, err := gossh.Dial("tcp", r.addr, &gossh.ClientConfig{
		User:            "builds",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.FixedHostKey(r.srv.host.PublicKey()),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	sess, err := conn.NewSession()
	if err != nil {
		conn.Close()
		return nil, err
	}
	v := &viewer{conn: conn, sess: sess, out: &lockedBuffer{}, ended: make(chan struct{})}
	if v.in, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	term := terminal{out: v.out, in: v.in}
	sess.Stdout, sess.Stderr = term, v.out
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = sess.Wait(); close(v.ended) }()
	t.Cleanup(func() { conn.Close() })
	return v, nil
}

// terminal answers the device attributes query as a terminal does (the
// server asks for the background colour and DA1 before the first frame,
// and waits for the answer).
type terminal struct {
	out *lockedBuffer
	in  interface{ Write([]byte) (int, error) }
}

func (t terminal) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("\x1b[c")) {
		go t.in.Write([]byte("\x1b[?62;22c"))
	}
	return t.out.Write(p)
}

// waitFor waits until the session printed want (or fails after 20 s).
func (v *viewer) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(v.out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the session never showed %q; it printed:\n%s", want, tail(v.out.String(), 2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// waitUntil polls cond until it holds (or fails after 20 s).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A session opens and draws the list; a window change redraws it at the
// new size; q ends it and the server logs both ends.
func TestServeSessionDrawsAndResizes(t *testing.T) {
	t.Parallel()
	r := startServe(t, sim.Options{Workers: 3, PushEvery: -1, Seed: 5}, 300*time.Millisecond, 0)
	v, err := r.dial(t, r.reader, 100, 30)
	if err != nil {
		t.Fatal(err)
	}
	v.waitFor(t, "Builds")
	v.waitFor(t, "1 connected")
	v.waitFor(t, "read-only")
	// At 100 columns the status bar ends in "? help"; from 150 it shows
	// the short help instead, so the quit key's hint appears.
	if strings.Contains(v.out.String(), "quit") {
		t.Fatal("the short help shows at 100 columns")
	}
	if err := v.sess.WindowChange(40, 160); err != nil {
		t.Fatal(err)
	}
	v.waitFor(t, "quit")
	v.in.Write([]byte("q"))
	select {
	case <-v.ended:
	case <-time.After(20 * time.Second):
		t.Fatal("q did not end the session")
	}
	waitUntil(t, "the server logs the session's end", func() bool { return strings.Contains(r.log.String(), "session closed") })
	if !strings.Contains(r.log.String(), "(bob@desk) from 127.0.0.1") {
		t.Fatalf("the log does not name the key:\n%s", r.log.String())
	}
}

// A read-only key is refused on c (no PUT); an operator's cancels (one
// PUT), and the audit line names the key and the build.
func TestServeReadOnlyAndOperator(t *testing.T) {
	t.Parallel()
	r := startServe(t, sim.Options{Workers: 2, PushEvery: -1, Seed: 7}, 300*time.Millisecond, 0)
	r.pushRunning()
	ro, err := r.dial(t, r.reader, 120, 40)
	if err != nil {
		t.Fatal(err)
	}
	ro.waitFor(t, "running")
	ro.in.Write([]byte("c"))
	ro.waitFor(t, "read-only: cancel is off")
	op, err := r.dial(t, r.operator, 120, 40)
	if err != nil {
		t.Fatal(err)
	}
	op.waitFor(t, "running")
	op.in.Write([]byte("c"))
	op.waitFor(t, "Cancel this build?")
	op.in.Write([]byte("y"))
	waitUntil(t, "one PUT", func() bool { return r.sim.Requests()["cancel"] == 1 })
	waitUntil(t, "an audit line", func() bool { return strings.Contains(r.log.String(), "audit: cancel build") })
	log := r.log.String()
	if !strings.Contains(log, "(alice@laptop operator): outcome") || strings.Contains(log, "bob@desk): outcome") {
		t.Fatalf("audit:\n%s", log)
	}
	ro.waitFor(t, "cancel") // the read-only session sees the change too
	if n := r.sim.Requests()["cancel"]; n != 1 {
		t.Fatalf("%d cancel requests, want 1", n)
	}
}

// The shared source refuses a read-only key's write even if a dashboard
// asked for one.
func TestServeAuditedSourceRefusesReadOnly(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	s := &Server{cfg: Config{Log: &log}}
	a := auditedSource{who: AuthorizedKey{comment: "bob"}, logf: s.Logf}
	a.who.key = newSigner(t).PublicKey()
	if _, err := a.Cancel(context.Background(), "b1"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("cancel: %v", err)
	}
	if _, err := a.StartBuild(context.Background(), "t1", "main", "", false); err == nil {
		t.Fatal("a read-only key started a build")
	}
	if !strings.Contains(log.String(), "refused, read-only key") {
		t.Fatalf("no audit line of the refusal:\n%s", log.String())
	}
}

// A key that is not in the file gets no session.
func TestServeRefusesUnknownKeys(t *testing.T) {
	t.Parallel()
	r := startServe(t, sim.Options{Workers: 1, PushEvery: -1, Seed: 1}, time.Second, 0)
	if _, err := r.dial(t, newSigner(t), 80, 24); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("an unknown key: %v", err)
	}
	// And no other method is offered: a password is not asked for.
	_, err := gossh.Dial("tcp", r.addr, &gossh.ClientConfig{User: "builds", Auth: []gossh.AuthMethod{gossh.Password("x")},
		HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	if err == nil || !strings.Contains(err.Error(), "no supported methods remain") {
		t.Fatalf("password auth: %v", err)
	}
}

// One over the limit is told so; the others keep their sessions.
func TestServeSessionLimit(t *testing.T) {
	t.Parallel()
	r := startServe(t, sim.Options{Workers: 1, PushEvery: -1, Seed: 1}, time.Second, 1)
	a, err := r.dial(t, r.reader, 80, 24)
	if err != nil {
		t.Fatal(err)
	}
	a.waitFor(t, "Builds")
	b, err := r.dial(t, r.operator, 80, 24)
	if err != nil {
		t.Fatal(err)
	}
	b.waitFor(t, "this server is full (1 sessions")
	select {
	case <-b.ended:
	case <-time.After(20 * time.Second):
		t.Fatal("the session over the limit stayed open")
	}
	a.in.Write([]byte("?"))
	a.waitFor(t, "help") // still served
}

// A session killed mid-stream leaves no goroutine behind: not its
// dashboard's timers, not its calls, not its input.
func TestServeKilledSessionLeavesNothing(t *testing.T) {
	t.Parallel()
	r := startServe(t, sim.Options{Workers: 3, PushEvery: -1, Seed: 3}, 200*time.Millisecond, 0)
	r.pushRunning()
	count := func() int {
		r.client.Close() // idle HTTP connections are the client's, not a session's
		return runtime.NumGoroutine()
	}
	// A first session warms what stays: the shared source, the listener.
	warm, err := r.dial(t, r.reader, 100, 30)
	if err != nil {
		t.Fatal(err)
	}
	warm.waitFor(t, "running")
	warm.in.Write([]byte("q"))
	<-warm.ended
	waitUntil(t, "the warm-up session closed", func() bool { return r.srv.Sessions() == 0 })
	baseline := count()
	v, err := r.dial(t, r.operator, 100, 30)
	if err != nil {
		t.Fatal(err)
	}
	v.waitFor(t, "running")
	v.waitFor(t, "live") // its log is being tailed
	v.conn.Close()       // killed: no q, the connection just drops
	waitUntil(t, "the server sees the end", func() bool { return r.srv.Sessions() == 0 })
	var now int
	deadline := time.Now().Add(15 * time.Second)
	for now = count(); now > baseline && time.Now().Before(deadline); now = count() {
		time.Sleep(50 * time.Millisecond)
	}
	if now > baseline {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("%d goroutines, %d before the session:\n%s", now, baseline, buf[:n])
	}
}

// The host key is made once, owner-only, and reused; one others can read
// is refused.
func TestServeHostKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state", "cfbuilds", "ssh_host_ed25519_key")
	first, created, err := LoadHostKey(path)
	if err != nil || !created {
		t.Fatalf("first start: created=%v %v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(filepath.Dir(path)); dst.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %04o, want 0700", dst.Mode().Perm())
	}
	again, created, err := LoadHostKey(path)
	if err != nil || created || !bytes.Equal(first, again) {
		t.Fatalf("second start: created=%v err=%v same=%v", created, err, bytes.Equal(first, again))
	}
	os.Chmod(path, 0o644)
	if _, _, err := LoadHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key others can read: %v", err)
	}
}

// Roles come from the operators file, never from a word in a key's
// comment (#26.7): "frank@laptop non-operator" and "alice operator" in the
// authorized keys are read-only; a bad line is refused with its number.
func TestServeRolesFromTheOperatorsFile(t *testing.T) {
	t.Parallel()
	a, f, o := newSigner(t), newSigner(t), newSigner(t)
	line := func(s gossh.Signer, comment string) string {
		return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + comment + "\n"
	}
	dir := t.TempDir()
	keysPath, opsPath := filepath.Join(dir, "keys"), filepath.Join(dir, "operators")
	os.WriteFile(keysPath, []byte("# the team\n\n"+line(a, "alice@laptop operator")+line(f, "frank@laptop non-operator")+line(o, "olga")), 0o600)
	os.WriteFile(opsPath, []byte(line(o, "olga@ops")), 0o600)
	readers, err := LoadAuthorizedKeys(keysPath)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := LoadOperators(opsPath)
	if err != nil {
		t.Fatal(err)
	}
	keys := MergeKeys(readers, ops)
	role := map[string]bool{}
	for _, k := range keys {
		role[k.comment] = k.operator
	}
	if len(keys) != 3 || role["alice@laptop operator"] || role["frank@laptop non-operator"] || !role["olga@ops"] {
		t.Fatalf("roles: %v", role)
	}
	if says := SaysOperator(keys); len(says) != 2 {
		t.Fatalf("keys whose comment says operator: %v", says)
	}
	os.WriteFile(keysPath, []byte(line(a, "x")+"ssh-ed25519 not-base64 oops\n"), 0o600)
	if _, err := LoadAuthorizedKeys(keysPath); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("a bad line: %v", err)
	}
}

// TestServeShutdownEndsSessionsCleanly (#29.15): SIGTERM's shutdown ends
// each session's dashboard as q does: the viewer's terminal leaves the
// alternate screen, shows its cursor and turns bracketed paste off, and is
// told why, before the connection closes.
func TestServeShutdownEndsSessionsCleanly(t *testing.T) {
	t.Parallel()
	r := startServe(t, sim.Options{Workers: 3, PushEvery: -1, Seed: 5}, 300*time.Millisecond, 0)
	v, err := r.dial(t, r.reader, 100, 30)
	if err != nil {
		t.Fatal(err)
	}
	v.waitFor(t, "Builds")
	go r.srv.Shutdown(2 * time.Second)
	select {
	case <-v.ended:
	case <-time.After(20 * time.Second):
		t.Fatal("the shutdown did not end the session")
	}
	out := v.out.String()
	for _, want := range []string{"\x1b[?1049l", "\x1b[?25h", "\x1b[?2004l", "the server is stopping"} {
		if !strings.Contains(out, want) {
			t.Errorf("the session ended without %q:\n%q", want, tail(out, 400))
		}
	}
}
