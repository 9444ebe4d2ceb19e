package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/charmbracelet/ssh"

	"github.com/cfbuilds/cfbuilds/api/shared"
	"github.com/cfbuilds/cfbuilds/internal/files"
	"github.com/cfbuilds/cfbuilds/internal/serve"
)

// cfbuilds serve: the command's flags and wiring; the SSH server itself is
// internal/serve.

func serveCommand() command {
	return command{name: "serve", args: "[--listen :2222] [--authorized-keys FILE] [--operators FILE] [--host-key FILE] [--idle 30m] [--max-sessions 20] [--max-per-key 5]",
		summary: "serve the dashboard over SSH to the team: one poller, one budget, no token on their machines",
		example: "cfbuilds serve --authorized-keys ~/.config/cfbuilds/authorized_keys --operators ~/.config/cfbuilds/operators\n" +
			"ssh -p 2222 builds@jumphost      # a teammate, from their terminal\n" +
			"cfbuilds serve --demo --authorized-keys ~/.ssh/authorized_keys --listen 127.0.0.1:2222",
		opts: func() options {
			return &serveOptions{listen: ":2222", idle: 30 * time.Minute, maxSessions: 20, maxPerKey: 5}
		}}
}

type serveOptions struct {
	listen         string
	authorizedKeys string
	operators      string
	hostKey        string
	idle           time.Duration
	maxSessions    int
	maxPerKey      int
}

func (o *serveOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.listen, "listen", o.listen, "listen on this `address` (host:port)")
	fs.StringVar(&o.authorizedKeys, "authorized-keys", "", "who may log in and watch, read-only: an OpenSSH authorized_keys `file` (none: no one gets in)")
	fs.StringVar(&o.operators, "operators", "", "who may log in and also cancel, rebuild and build: a `file` of keys in the same format")
	fs.StringVar(&o.hostKey, "host-key", "", "the server's host key `file`, made on first start (default $XDG_STATE_HOME/cfbuilds/ssh_host_ed25519_key)")
	fs.DurationVar(&o.idle, "idle", o.idle, "close a session after this long with no key pressed (0: never)")
	fs.IntVar(&o.maxSessions, "max-sessions", o.maxSessions, "the most sessions open at once (0: no limit)")
	fs.IntVar(&o.maxPerKey, "max-per-key", o.maxPerKey, "the most sessions one key may have open at once (0: no limit)")
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

// loadKeys reads the two key files into who may log in.
func (o *serveOptions) loadKeys() ([]serve.AuthorizedKey, error) {
	var readers, operators []serve.AuthorizedKey
	var err error
	if o.authorizedKeys != "" {
		if readers, err = serve.LoadAuthorizedKeys(o.authorizedKeys); err != nil {
			return nil, usagef("--authorized-keys %s: %v", o.authorizedKeys, err)
		}
	}
	if o.operators != "" {
		if operators, err = serve.LoadOperators(o.operators); err != nil {
			return nil, usagef("--operators %s: %v", o.operators, err)
		}
	}
	return serve.MergeKeys(readers, operators), nil
}

// keyFilesStamp is what changes when a key file is edited.
func (o *serveOptions) keyFilesStamp() string {
	stamp := ""
	for _, p := range []string{o.authorizedKeys, o.operators} {
		if st, err := os.Lstat(p); p != "" && err == nil {
			stamp += fmt.Sprintf("%s|%d|%d|%o;", p, st.ModTime().UnixNano(), st.Size(), st.Mode())
		}
	}
	return stamp
}

// reloadKeys reads the key files again on SIGHUP and whenever they change
// (looked at every 2 s); a file that no longer reads keeps the keys as
// they were, and says why.
func (o *serveOptions) reloadKeys(ctx context.Context, srv *serve.Server) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	last := o.keyFilesStamp()
	for {
		why := "changed"
		select {
		case <-ctx.Done():
			return
		case <-hup:
			why = "SIGHUP"
		case <-tick.C:
			if o.keyFilesStamp() == last {
				continue
			}
		}
		last = o.keyFilesStamp()
		keys, err := o.loadKeys()
		if err != nil {
			srv.Logf("keys not reloaded (%s), the old ones stay: %v", why, err)
			continue
		}
		srv.SetKeys(keys)
		srv.Logf("keys reloaded (%s)", why)
		o.logKeys(srv, keys)
	}
}

func (o *serveOptions) run(ctx context.Context, e *env) error {
	keys, err := o.loadKeys()
	if err != nil {
		return err
	}
	hostPath := o.hostKey
	if hostPath == "" {
		if hostPath = defaultHostKeyPath(e.getenv); hostPath == "" {
			return usagef("no place for the host key: neither XDG_STATE_HOME nor HOME is set; pass --host-key FILE")
		}
	}
	hostKey, created, err := serve.LoadHostKey(hostPath)
	if err != nil {
		return fmt.Errorf("host key %s: %w", hostPath, err)
	}
	cfg := e.cfg
	dash := dashboardFor(e)
	// One reader of the events for every session: several pullers on one
	// queue would split its messages.
	dash.Events = eventFeed(e.startEvents(ctx))
	if cfg.EventsSubscribeNew && cfg.EventsQueue != "" {
		go subscribeNewWorkers(ctx, e.client, cfg.EventsQueue, subscribeNewEvery, e.stderr)
	}
	rec, stats, closeHistory := e.historyFor(ctx)
	defer closeHistory()
	dash.Recorder, dash.Stats = rec, stats
	dash.Source = shared.New(ctx, e.client, shared.Fresh{Active: cfg.PollActive, Idle: cfg.PollIdle, Log: cfg.PollLog})
	srv, err := serve.New(serve.Config{Dashboard: dash, Hyperlinks: cfg.Hyperlinks, HostKey: hostKey, Keys: keys,
		Idle: o.idle, MaxSessions: o.maxSessions, MaxPerKey: o.maxPerKey, Log: e.stderr})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return usagef("cannot listen on %s: %v (pick another address with --listen)", o.listen, files.Unwrap(err))
	}
	made := ""
	if created {
		made = ", made now"
	}
	srv.Logf("listening on %s · host key %s%s (%s)", ln.Addr(), hostPath, made, srv.Fingerprint())
	o.logKeys(srv, keys)
	srv.Logf("connect with: %s", connectHint(ln.Addr()))
	go func() {
		<-ctx.Done()
		srv.Logf("stopping: the sessions have 5 s to end")
		srv.Shutdown(5 * time.Second)
	}()
	go o.reloadKeys(ctx, srv)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// logKeys says at start who may log in and act.
func (o *serveOptions) logKeys(srv *serve.Server, keys []serve.AuthorizedKey) {
	switch ops := serve.CountOperators(keys); {
	case o.authorizedKeys == "" && o.operators == "":
		srv.Logf("no --authorized-keys or --operators: no one can log in. Pass OpenSSH authorized_keys files: --operators for who may act, --authorized-keys for who only watches")
	case len(keys) == 0:
		srv.Logf("the key files hold no keys: no one can log in")
	default:
		srv.Logf("keys: %d operator (from --operators), %d read-only (from --authorized-keys)", ops, len(keys)-ops)
	}
	for _, r := range serve.Refused(keys) {
		srv.Logf("key refused: %s", r)
	}
	for _, k := range serve.SaysOperator(keys) {
		srv.Logf("key %s says operator in its comment, but roles come from --operators only: it is read-only", k)
	}
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

// defaultHostKeyPath is $XDG_STATE_HOME/cfbuilds/ssh_host_ed25519_key
// (~/.local/state when unset).
func defaultHostKeyPath(getenv func(string) string) string {
	return xdgPath(getenv, "XDG_STATE_HOME", filepath.Join(".local", "state"), "ssh_host_ed25519_key")
}
