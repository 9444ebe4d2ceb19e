// Package serve is cfbuilds serve: the dashboard over SSH (wish) to any
// number of people from one process. Each session gets its own tea.Program
// (its size, colours, selection, filters, scroll and search); all of them
// read one shared source, so N viewers cost the API what one does and no one
// holds the token. keys.go owns who may log in and act, hostkey.go the
// server's key, audit.go the log of every write.
package serve

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/charmbracelet/wish/recover"
	gossh "golang.org/x/crypto/ssh"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/muesli/termenv"
)

// Config is what the SSH server needs.
type Config struct {
	Dashboard   tui.Options // every session's, before its own terminal and key
	Hyperlinks  string      // the configuration's hyperlinks setting
	HostKey     []byte      // PEM
	Keys        []AuthorizedKey
	Idle        time.Duration // 0: never
	MaxSessions int           // 0: no limit
	Log         io.Writer     // session and audit lines
	// Stall is how long a write to a session may wait on a client that
	// does not read before the session is closed (default 30 s).
	Stall time.Duration
	// Handshake is how long a connection may take to authenticate
	// (default 20 s).
	Handshake time.Duration
	// MaxPerKey is the most sessions one key may have open (0: no limit).
	MaxPerKey int
}

// Server serves the dashboard over SSH.
type Server struct {
	cfg    Config
	srv    *ssh.Server
	host   gossh.Signer
	open   atomic.Int64 // sessions open now
	pre    *preAuth     // connections that have not authenticated yet
	keysMu sync.RWMutex // guards cfg.Keys, which a reload replaces
	perMu  sync.Mutex
	per    map[string]int // sessions open now by key fingerprint
	logMu  sync.Mutex

	progMu   sync.Mutex
	progs    map[*session]*tea.Program // each open session's dashboard
	stopping atomic.Bool
}

func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, pre: &preAuth{timeout: cmp.Or(cfg.Handshake, handshakeTimeout)}}
	host, err := gossh.ParsePrivateKey(cfg.HostKey)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	s.host = host
	// Only public keys are offered: with no password or keyboard-interactive
	// handler the server never asks for one. (A server with no handler at all
	// would let anyone in, so the key handler is always set.)
	s.srv, err = wish.NewServer(
		wish.WithHostKeyPEM(cfg.HostKey),
		wish.WithPublicKeyAuth(func(ctx ssh.Context, k ssh.PublicKey) bool {
			who, ok := s.lookup(k)
			if !ok {
				s.Logf("login refused: key %s from %s is not authorized", gossh.FingerprintSHA256(k), ctx.RemoteAddr())
				return false
			}
			if usable, why := who.usableNow(ctx.RemoteAddr(), time.Now()); !usable {
				s.Logf("login refused: %s: %s", who, why)
				return false
			}
			s.pre.authenticated(ctx)
			return true
		}),
		func(srv *ssh.Server) error { srv.ConnCallback = s.pre.admit; return nil },
		// A panic in one session is logged and ends that session only.
		wish.WithMiddleware(recover.MiddlewareWithLogger(logger{s}, bm.MiddlewareWithProgramHandler(s.program, termenv.Ascii), s.gate)),
	)
	if err != nil {
		return nil, err
	}
	if s.cfg.Stall <= 0 {
		s.cfg.Stall = 30 * time.Second
	}
	// Every session's requests go through the guard (guard.go).
	s.srv.ChannelHandlers = map[string]ssh.ChannelHandler{}
	for k, v := range ssh.DefaultChannelHandlers {
		s.srv.ChannelHandlers[k] = v
	}
	s.srv.ChannelHandlers["session"] = guardSessions(ssh.DefaultSessionHandler)
	return s, nil
}

func (s *Server) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Close ends every session and stops listening.
func (s *Server) Close() { _ = s.srv.Close() }

// Shutdown stops listening, ends every session's dashboard as q does (so
// each viewer's terminal leaves the alternate screen with its cursor shown
// and bracketed paste off) and lets the sessions end for up to grace, then
// closes what is left.
func (s *Server) Shutdown(grace time.Duration) {
	s.stopping.Store(true)
	s.progMu.Lock()
	for _, p := range s.progs {
		p.Quit()
	}
	s.progMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
}

// track keeps a session's program for Shutdown; untrack forgets it.
func (s *Server) track(ss *session, p *tea.Program) {
	s.progMu.Lock()
	defer s.progMu.Unlock()
	if s.progs == nil {
		s.progs = map[*session]*tea.Program{}
	}
	s.progs[ss] = p
	if s.stopping.Load() {
		p.Quit() // it started as the server stopped
	}
}

func (s *Server) untrack(ss *session) {
	s.progMu.Lock()
	delete(s.progs, ss)
	s.progMu.Unlock()
}

// SetKeys replaces who may log in (a reload of the key files): the next
// login is checked against them; open sessions keep going.
func (s *Server) SetKeys(keys []AuthorizedKey) {
	s.keysMu.Lock()
	s.cfg.Keys = keys
	s.keysMu.Unlock()
}

// takeKeySlot counts a session against its key's limit.
func (s *Server) takeKeySlot(k AuthorizedKey) bool {
	fp := gossh.FingerprintSHA256(k.key)
	s.perMu.Lock()
	defer s.perMu.Unlock()
	if s.cfg.MaxPerKey > 0 && s.per[fp] >= s.cfg.MaxPerKey {
		return false
	}
	if s.per == nil {
		s.per = map[string]int{}
	}
	s.per[fp]++
	return true
}

func (s *Server) freeKeySlot(k AuthorizedKey) {
	fp := gossh.FingerprintSHA256(k.key)
	s.perMu.Lock()
	defer s.perMu.Unlock()
	if s.per[fp]--; s.per[fp] <= 0 {
		delete(s.per, fp)
	}
}

// logger hands the recover middleware's lines to the server's log.
type logger struct{ s *Server }

func (l logger) Printf(format string, v ...any) { l.s.Logf(format, v...) }

func (s *Server) Sessions() int { return int(s.open.Load()) }

func (s *Server) Fingerprint() string { return gossh.FingerprintSHA256(s.host.PublicKey()) }

// lookup finds a key in the authorized keys.
func (s *Server) lookup(k ssh.PublicKey) (AuthorizedKey, bool) {
	if k == nil {
		return AuthorizedKey{}, false
	}
	s.keysMu.RLock()
	defer s.keysMu.RUnlock()
	for _, a := range s.cfg.Keys {
		if bytes.Equal(a.key.Marshal(), k.Marshal()) {
			return a, true
		}
	}
	return AuthorizedKey{}, false
}

// logf writes one line of the server's log, with the time.
func (s *Server) Logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.Log, "%s cfbuilds serve: %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
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
func (s *Server) gate(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		who, _ := s.lookup(sess.PublicKey())
		if who.noPty {
			s.Logf("session refused: %s from %s: its key has no-pty, and the dashboard needs a terminal", who, sess.RemoteAddr())
			wish.Fatalln(sess, "cfbuilds: your key's no-pty option forbids a terminal, and the dashboard needs one")
			return
		}
		pty, _, ok := sess.Pty()
		if !ok {
			s.Logf("session refused: %s from %s: no terminal asked for (command %q)", who, sess.RemoteAddr(), model.SanitizeInline(strings.Join(sess.Command(), " ")))
			wish.Fatalln(sess, "cfbuilds serves a dashboard and needs a terminal: connect with ssh -t and no command")
			return
		}
		n := s.open.Add(1)
		defer s.open.Add(-1)
		if s.cfg.MaxSessions > 0 && n > int64(s.cfg.MaxSessions) {
			s.Logf("session refused: %s: %d sessions open already", who, s.cfg.MaxSessions)
			wish.Fatalf(sess, "cfbuilds: this server is full (%d sessions, its --max-sessions); try again later\r\n", s.cfg.MaxSessions)
			return
		}
		if !s.takeKeySlot(who) {
			s.Logf("session refused: %s: %d sessions of this key open already", who, s.cfg.MaxPerKey)
			wish.Fatalf(sess, "cfbuilds: your key has reached its limit of %d open sessions (--max-per-key); close one first\r\n", s.cfg.MaxPerKey)
			return
		}
		defer s.freeKeySlot(who)
		role := "read-only"
		if who.operator {
			role = "operator"
		}
		ss := &session{idle: s.cfg.Idle}
		sess.Context().SetValue(sessionKey{}, ss)
		s.Logf("session opened: %s from %s as %q, %s, TERM %s, %dx%d", who, sess.RemoteAddr(), model.SanitizeInline(sess.User()), role,
			model.SanitizeInline(pty.Term), pty.Window.Width, pty.Window.Height)
		next(sess)
		ss.end()
		s.untrack(ss)
		why := "the viewer quit or left"
		switch {
		case s.stopping.Load():
			fmt.Fprint(sess, "cfbuilds: the server is stopping; come back when it is up again\r\n")
			why = "the server stopped"
		case ss.idled.Load():
			fmt.Fprintf(sess, "cfbuilds: closed after %s with no key pressed\r\n", s.cfg.Idle)
			why = fmt.Sprintf("no key pressed for %s", s.cfg.Idle)
		}
		s.Logf("session closed: %s: %s", who, why)
	}
}

// program is a session's own dashboard over the shared source.
func (s *Server) program(sess ssh.Session) *tea.Program {
	ss, _ := sess.Context().Value(sessionKey{}).(*session)
	if ss == nil {
		return nil
	}
	who, _ := s.lookup(sess.PublicKey())
	pty, _, _ := sess.Pty()
	o := s.cfg.Dashboard
	ctx, cancel := context.WithCancel(sess.Context())
	ss.cancel = cancel
	o.Context = ctx
	out := &stallGuard{w: sess, close: sess.Close, timeout: s.cfg.Stall}
	env := append(sess.Environ(), "TERM="+pty.Term)
	// The colours from the client's TERM and COLORTERM; its background is
	// not asked (a client that never answers would hold the session), so
	// dark is taken.
	o.Renderer = lipgloss.NewRenderer(out, termenv.WithEnvironment(environ(env)), termenv.WithUnsafe(), termenv.WithColorCache(true))
	o.Renderer.SetHasDarkBackground(true)
	o.Terminal = tui.DetectTerminal(func(k string) string { return envValue(env, k) }, s.cfg.Hyperlinks)
	// Over SSH: no browser here (y copies the URL to the viewer's clipboard
	// instead), and the viewer's tmux, if any, is theirs to pass OSC 52 on.
	o.Terminal.SSH, o.Terminal.Tmux, o.Terminal.Screen = true, false, false
	o.Out = out
	o.AltScreen = true
	o.NoSave = "the dashboard is served over SSH and the file would land on the server; run cfbuilds logs BUILD_UUID > file on your machine"
	o.Viewers = s.Sessions
	if !who.operator {
		o.ReadOnly = true
		o.ReadOnlyWhy = "your SSH key is not in the server's operators file (cfbuilds serve --operators)"
	}
	o.Source = auditedSource{Source: o.Source, who: who, mayAct: !o.ReadOnly, logf: s.Logf}
	o.OnRefused = func(what string) { s.Logf("audit: %s by %s: refused, read-only key", what, who) }
	m, err := tui.New(o)
	if err != nil {
		wish.Fatalln(sess, "cfbuilds: "+err.Error())
		return nil
	}
	opts := []tea.ProgramOption{tea.WithInput(activity{sess, ss.touch}), tea.WithOutput(out), tea.WithAltScreen(), tea.WithoutSignalHandler()}
	p := tea.NewProgram(m, opts...)
	s.track(ss, p)
	if z, ok := sess.Context().Value(sizesKey{}).(*sizes); ok {
		go resizes(ctx, z, p) // window changes, from the filter (guard.go)
	}
	if s.cfg.Idle > 0 {
		ss.mu.Lock()
		ss.timer = time.AfterFunc(s.cfg.Idle, func() {
			ss.idled.Store(true)
			p.Quit()
		})
		ss.mu.Unlock()
	}
	return p
}

// resizes hands a session's window changes to its program, the newest
// each time; it may wait on a busy program, the filter never does.
func resizes(ctx context.Context, z *sizes, p *tea.Program) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-z.notify:
			if w, h, ok := z.take(); ok {
				p.Send(tea.WindowSizeMsg{Width: w, Height: h})
			}
		}
	}
}

// environ is a session's environment as termenv reads one.
type environ []string

func (e environ) Environ() []string      { return e }
func (e environ) Getenv(k string) string { return envValue(e, k) }

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
