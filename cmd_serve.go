package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/cfbuilds/cfbuilds/api/shared"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui"
)

// cfbuilds serve: the dashboard over SSH to any number of people from one
// process. Each session gets its own tea.Program (its size, colours,
// selection, filters, scroll and search); all of them read one shared
// source, so N viewers cost the API what one does and no one holds the token.

func serveCommand() command {
	return command{name: "serve", args: "[--listen :2222] [--authorized-keys FILE] [--host-key FILE] [--idle 30m] [--max-sessions 20]",
		summary: "serve the dashboard over SSH to the team: one poller, one budget, no token on their machines",
		example: "cfbuilds serve --authorized-keys ~/.config/cfbuilds/authorized_keys\n" +
			"ssh -p 2222 builds@jumphost      # a teammate, from their terminal\n" +
			"cfbuilds serve --demo --authorized-keys ~/.ssh/authorized_keys --listen 127.0.0.1:2222",
		opts: func() options { return &serveOptions{listen: ":2222", idle: 30 * time.Minute, maxSessions: 20} }}
}

type serveOptions struct {
	listen         string
	authorizedKeys string
	hostKey        string
	idle           time.Duration
	maxSessions    int
}

func (o *serveOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.listen, "listen", o.listen, "listen on this `address` (host:port)")
	fs.StringVar(&o.authorizedKeys, "authorized-keys", "", "who may log in: an OpenSSH authorized_keys `file`; a key whose comment has the word operator may cancel, rebuild and build, every other key is read-only (none: no one gets in)")
	fs.StringVar(&o.hostKey, "host-key", "", "the server's host key `file`, made on first start (default $XDG_STATE_HOME/cfbuilds/ssh_host_ed25519_key)")
	fs.DurationVar(&o.idle, "idle", o.idle, "close a session after this long with no key pressed (0: never)")
	fs.IntVar(&o.maxSessions, "max-sessions", o.maxSessions, "the most sessions open at once (0: no limit)")
}

func (o *serveOptions) validate(args []string) error {
	if o.idle < 0 {
		return usagef("--idle wants a duration of 0 or more, got %s", o.idle)
	}
	if o.maxSessions < 0 {
		return usagef("--max-sessions wants 0 (no limit) or more, got %d", o.maxSessions)
	}
	return wantArgs("serve", args, 0, "")
}

func (o *serveOptions) run(ctx context.Context, e *env) error {
	var keys []authorizedKey
	if o.authorizedKeys != "" {
		var err error
		if keys, err = loadAuthorizedKeys(o.authorizedKeys); err != nil {
			return usagef("--authorized-keys %s: %v", o.authorizedKeys, err)
		}
	}
	hostPath := o.hostKey
	if hostPath == "" {
		if hostPath = defaultHostKeyPath(e.getenv); hostPath == "" {
			return usagef("no place for the host key: neither XDG_STATE_HOME nor HOME is set; pass --host-key FILE")
		}
	}
	hostKey, created, err := loadHostKey(hostPath)
	if err != nil {
		return fmt.Errorf("host key %s: %w", hostPath, err)
	}
	cfg := e.cfg
	dash := dashboardFor(e)
	dash.Source = shared.New(ctx, e.client, shared.Fresh{Active: cfg.PollActive, Idle: cfg.PollIdle, Log: cfg.PollLog})
	srv, err := newSSHServer(serveConfig{dashboard: dash, hyperlinks: cfg.Hyperlinks, hostKey: hostKey, keys: keys,
		idle: o.idle, maxSessions: o.maxSessions, log: e.stderr})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return usagef("cannot listen on %s: %v (pick another address with --listen)", o.listen, unwrapPathError(err))
	}
	made := ""
	if created {
		made = ", made now"
	}
	srv.logf("listening on %s · host key %s%s (%s)", ln.Addr(), hostPath, made, srv.fingerprint())
	switch operators := countOperators(keys); {
	case o.authorizedKeys == "":
		srv.logf("no --authorized-keys: no one can log in. Pass an OpenSSH authorized_keys file; a key whose comment has the word operator may act, the others only watch")
	case len(keys) == 0:
		srv.logf("%s holds no keys: no one can log in", o.authorizedKeys)
	default:
		srv.logf("keys from %s: %d operator, %d read-only", o.authorizedKeys, operators, len(keys)-operators)
	}
	srv.logf("connect with: %s", connectHint(ln.Addr()))
	go func() {
		<-ctx.Done()
		srv.close()
	}()
	if err := srv.serve(ln); err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// connectHint is the ssh command that reaches addr: this machine's name,
// or localhost when the server listens on loopback only.
func connectHint(addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	name := "localhost"
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		if h, err := os.Hostname(); err == nil && h != "" {
			name = h
		}
	}
	return fmt.Sprintf("ssh -p %s %s", port, name)
}

// authorizedKey is one line of the authorized keys file.
type authorizedKey struct {
	key      gossh.PublicKey
	comment  string
	operator bool
}

// String names the key in the log: its fingerprint and comment.
func (k authorizedKey) String() string {
	s := gossh.FingerprintSHA256(k.key)
	if k.comment != "" {
		s += " (" + model.SanitizeInline(k.comment) + ")"
	}
	return s
}

// loadAuthorizedKeys reads an OpenSSH authorized_keys file. A line that is
// not a key stops the start with its number: a typo must not silently lock
// someone out (or, with an operator's comment, leave them read-only).
func loadAuthorizedKeys(path string) ([]authorizedKey, error) {
	raw, err := readRegularFile(path, 1<<20)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	var keys []authorizedKey
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, comment, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("line %d is not a public key: %v", i+1, err)
		}
		keys = append(keys, authorizedKey{key: k, comment: comment, operator: hasWord(comment, "operator")})
	}
	return keys, nil
}

// hasWord: word appears in s on its own (not inside another word).
func hasWord(s, word string) bool {
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if f == word {
			return true
		}
	}
	return false
}

func countOperators(keys []authorizedKey) int {
	n := 0
	for _, k := range keys {
		if k.operator {
			n++
		}
	}
	return n
}

// defaultHostKeyPath is $XDG_STATE_HOME/cfbuilds/ssh_host_ed25519_key
// (~/.local/state when unset).
func defaultHostKeyPath(getenv func(string) string) string {
	return xdgPath(getenv, "XDG_STATE_HOME", filepath.Join(".local", "state"), "ssh_host_ed25519_key")
}

// loadHostKey reads the host key, or makes an Ed25519 one on first start:
// owner-only, created exclusively (two servers starting at once cannot
// both write it). A key others can read is refused, as sshd does. Written
// here rather than with charmbracelet/keygen, which changes the mode of a
// directory that already exists.
func loadHostKey(path string) (pemBytes []byte, created bool, err error) {
	raw, err := readRegularFile(path, 64<<10)
	if err == nil {
		st, serr := os.Stat(path)
		if serr == nil && st.Mode().Perm()&0o077 != 0 {
			return nil, false, fmt.Errorf("others may read it (mode %04o); chmod 600 it", st.Mode().Perm())
		}
		if _, perr := gossh.ParsePrivateKey(raw); perr != nil {
			return nil, false, fmt.Errorf("not a private key: %v", perr)
		}
		return raw, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, unwrapPathError(err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "cfbuilds serve host key")
	if err != nil {
		return nil, false, err
	}
	pemBytes = pem.EncodeToMemory(block)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, unwrapPathError(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, unwrapPathError(err)
	}
	if _, err := f.Write(pemBytes); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, err
	}
	return pemBytes, true, f.Close()
}

// serveConfig is what the SSH server needs.
type serveConfig struct {
	dashboard   tui.Options // every session's, before its own terminal and key
	hyperlinks  string      // the configuration's hyperlinks setting
	hostKey     []byte      // PEM
	keys        []authorizedKey
	idle        time.Duration // 0: never
	maxSessions int           // 0: no limit
	log         io.Writer     // session and audit lines
}

// sshServer serves the dashboard over SSH.
type sshServer struct {
	cfg   serveConfig
	srv   *ssh.Server
	host  gossh.Signer
	open  atomic.Int64 // sessions open now
	logMu sync.Mutex
}

func newSSHServer(cfg serveConfig) (*sshServer, error) {
	s := &sshServer{cfg: cfg}
	host, err := gossh.ParsePrivateKey(cfg.hostKey)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	s.host = host
	// Only public keys are offered: with no password or keyboard-interactive
	// handler the server never asks for one. (A server with no handler at all
	// would let anyone in, so the key handler is always set.)
	s.srv, err = wish.NewServer(
		wish.WithHostKeyPEM(cfg.hostKey),
		wish.WithPublicKeyAuth(func(_ ssh.Context, k ssh.PublicKey) bool {
			_, ok := s.lookup(k)
			return ok
		}),
		wish.WithMiddleware(bm.MiddlewareWithProgramHandler(s.program, termenv.Ascii), s.gate),
	)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *sshServer) serve(ln net.Listener) error { return s.srv.Serve(ln) }

// close ends every session and stops listening.
func (s *sshServer) close() { _ = s.srv.Close() }

func (s *sshServer) sessions() int { return int(s.open.Load()) }

func (s *sshServer) fingerprint() string { return gossh.FingerprintSHA256(s.host.PublicKey()) }

// lookup finds a key in the authorized keys.
func (s *sshServer) lookup(k ssh.PublicKey) (authorizedKey, bool) {
	if k == nil {
		return authorizedKey{}, false
	}
	for _, a := range s.cfg.keys {
		if bytes.Equal(a.key.Marshal(), k.Marshal()) {
			return a, true
		}
	}
	return authorizedKey{}, false
}

// logf writes one line of the server's log, with the time.
func (s *sshServer) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.log, "%s cfbuilds serve: %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

// session is what the server keeps of one session: its idle timer and the
// end of its dashboard.
type session struct {
	mu     sync.Mutex
	timer  *time.Timer
	idle   time.Duration
	idled  atomic.Bool
	cancel context.CancelFunc
}

type sessionKey struct{}

// touch restarts the idle timer: a key was pressed.
func (ss *session) touch() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.timer != nil {
		ss.timer.Reset(ss.idle)
	}
}

// end stops the timer and the dashboard's calls.
func (ss *session) end() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.timer != nil {
		ss.timer.Stop()
	}
	if ss.cancel != nil {
		ss.cancel()
	}
}

// gate runs before the dashboard: it wants a terminal, counts the session
// against the limit, logs it, and cleans up after it.
func (s *sshServer) gate(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		who, _ := s.lookup(sess.PublicKey())
		if _, _, ok := sess.Pty(); !ok {
			wish.Fatalln(sess, "cfbuilds serves a dashboard and needs a terminal: connect with ssh -t and no command")
			return
		}
		n := s.open.Add(1)
		defer s.open.Add(-1)
		if s.cfg.maxSessions > 0 && n > int64(s.cfg.maxSessions) {
			s.logf("session refused: %s: %d sessions open already", who, s.cfg.maxSessions)
			wish.Fatalf(sess, "cfbuilds: this server is full (%d sessions, its --max-sessions); try again later\r\n", s.cfg.maxSessions)
			return
		}
		role := "read-only"
		if who.operator {
			role = "operator"
		}
		ss := &session{idle: s.cfg.idle}
		sess.Context().SetValue(sessionKey{}, ss)
		s.logf("session opened: %s from %s, %s", who, sess.RemoteAddr(), role)
		next(sess)
		ss.end()
		if ss.idled.Load() {
			fmt.Fprintf(sess, "cfbuilds: closed after %s with no key pressed\r\n", s.cfg.idle)
		}
		s.logf("session closed: %s", who)
	}
}

// program is a session's own dashboard over the shared source.
func (s *sshServer) program(sess ssh.Session) *tea.Program {
	ss, _ := sess.Context().Value(sessionKey{}).(*session)
	if ss == nil {
		return nil
	}
	who, _ := s.lookup(sess.PublicKey())
	pty, _, _ := sess.Pty()
	o := s.cfg.dashboard
	ctx, cancel := context.WithCancel(sess.Context())
	ss.cancel = cancel
	o.Context = ctx
	o.Renderer = bm.MakeRenderer(sess)
	env := append(sess.Environ(), "TERM="+pty.Term)
	o.Terminal = tui.DetectTerminal(func(k string) string { return envValue(env, k) }, s.cfg.hyperlinks)
	// Over SSH: no browser here (y copies the URL to the viewer's clipboard
	// instead), and the viewer's tmux, if any, is theirs to pass OSC 52 on.
	o.Terminal.SSH, o.Terminal.Tmux, o.Terminal.Screen = true, false, false
	o.Out = sess
	o.AltScreen = true
	o.NoSave = "the dashboard is served over SSH and the file would land on the server; run cfbuilds logs BUILD_UUID > file on your machine"
	o.Viewers = s.sessions
	if !who.operator {
		o.ReadOnly = true
		o.ReadOnlyWhy = "your SSH key is not an operator's: its comment in the server's authorized keys lacks the word operator"
	}
	o.Source = auditedSource{Source: o.Source, who: who, mayAct: !o.ReadOnly, logf: s.logf}
	m, err := tui.New(o)
	if err != nil {
		wish.Fatalln(sess, "cfbuilds: "+err.Error())
		return nil
	}
	opts := []tea.ProgramOption{tea.WithInput(activity{sess, ss.touch}), tea.WithOutput(sess), tea.WithAltScreen(), tea.WithoutSignalHandler()}
	p := tea.NewProgram(m, opts...)
	if s.cfg.idle > 0 {
		ss.mu.Lock()
		ss.timer = time.AfterFunc(s.cfg.idle, func() {
			ss.idled.Store(true)
			p.Quit()
		})
		ss.mu.Unlock()
	}
	return p
}

// envValue is the value of k in a list of KEY=value.
func envValue(env []string, k string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], k+"="); ok {
			return v
		}
	}
	return ""
}

// activity is the session's input, telling the idle timer of each read.
type activity struct {
	r     io.Reader
	touch func()
}

func (a activity) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.touch()
	}
	return n, err
}

// auditedSource is a session's view of the shared source: its writes are
// logged with the key that made them, and refused for a read-only key
// (the dashboard hides them already; this holds even if it did not).
type auditedSource struct {
	tui.Source
	who    authorizedKey
	mayAct bool
	logf   func(format string, args ...any)
}

func (a auditedSource) refuse(what string) error {
	a.logf("audit: %s by %s: refused, read-only key", what, a.who)
	return errors.New("read-only: your SSH key is not an operator's")
}

func (a auditedSource) Cancel(ctx context.Context, uuid string) (model.CancelResult, error) {
	what := "cancel build " + model.SanitizeInline(uuid)
	if !a.mayAct {
		return model.CancelResult{}, a.refuse(what)
	}
	res, err := a.Source.Cancel(ctx, uuid)
	a.logf("audit: %s by %s: %s", what, a.who, outcomeText(err, "outcome "+orWord(string(res.Outcome), "pending")))
	return res, err
}

func (a auditedSource) StartBuild(ctx context.Context, triggerUUID, branch, commit string, purge bool) (string, error) {
	what := fmt.Sprintf("build branch %q commit %q with trigger %s", model.SanitizeInline(branch), model.SanitizeInline(commit), model.SanitizeInline(triggerUUID))
	if purge {
		what += " after purging its cache"
	}
	if !a.mayAct {
		return "", a.refuse(what)
	}
	id, err := a.Source.StartBuild(ctx, triggerUUID, branch, commit, purge)
	a.logf("audit: %s by %s: %s", what, a.who, outcomeText(err, "started build "+model.SanitizeInline(id)))
	return id, err
}

func outcomeText(err error, ok string) string {
	if err != nil {
		return "failed: " + model.SanitizeInline(err.Error())
	}
	return ok
}
