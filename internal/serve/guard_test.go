package serve

import (
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/cfbuilds/cfbuilds/api/sim"
)

func ptyPayload(term string, cols, rows uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(term)))
	b = append(b, term...)
	b = binary.BigEndian.AppendUint32(b, cols)
	b = binary.BigEndian.AppendUint32(b, rows)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, 0)
	return binary.BigEndian.AppendUint32(b, 0) // no modes
}

func windowPayload(cols, rows uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, cols)
	b = binary.BigEndian.AppendUint32(b, rows)
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, 0), 0)
}

// deafSession is a read-only viewer's session with a w x h terminal whose
// output is never read.
func deafSession(t *testing.T, r *serveRig, w, h int) *gossh.Session {
	t.Helper()
	conn, err := gossh.Dial("tcp", r.addr, &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(r.reader)},
		HostKeyCallback: gossh.FixedHostKey(r.srv.host.PublicKey()), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.StdoutPipe(); err != nil { // and never read
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return sess
}

// The filter bounds what a client may ask (#26.3, #26.4, #26.11, #26.1):
// env past 64 requests or 4 KB refused, pty and window sizes capped at
// 500x200, agent forwarding refused, and window changes handed to the
// program, the newest only, so a flood is read at once and never stalls
// the connection.
func TestFilterRequests(t *testing.T) {
	t.Parallel()
	in := make(chan *gossh.Request)
	z := &sizes{notify: make(chan struct{}, 1)}
	out := filterRequests(in, z)
	in <- &gossh.Request{Type: "pty-req", Payload: ptyPayload("xterm", 10000, 10000)}
	pty := <-out
	if n := len("xterm"); binary.BigEndian.Uint32(pty.Payload[4+n:]) != MaxCols || binary.BigEndian.Uint32(pty.Payload[8+n:]) != MaxRows {
		t.Fatalf("pty not capped: %v", pty.Payload)
	}
	// 3,000 env requests and 2,000 window changes while the session takes
	// nothing: every send goes through (none blocks).
	for i := range 3000 {
		in <- &gossh.Request{Type: "env", Payload: []byte(strings.Repeat("x", 100+i%5000))}
	}
	for i := range 2000 {
		in <- &gossh.Request{Type: "window-change", Payload: windowPayload(uint32(80+i), 9999)}
	}
	in <- &gossh.Request{Type: "auth-agent-req@openssh.com"}
	close(in)
	envs, windows := 0, 0
	var last *gossh.Request
	for r := range out {
		switch r.Type {
		case "env":
			envs++
			if len(r.Payload) > maxEnvBytes {
				t.Fatalf("an env of %d bytes passed", len(r.Payload))
			}
		case "window-change":
			windows++
			last = r
		case "auth-agent-req@openssh.com":
			t.Fatal("agent forwarding passed")
		}
	}
	if envs > maxEnv || windows != 0 || last != nil {
		t.Fatalf("%d env and %d window changes passed, want at most %d and none (they go to the program)", envs, windows, maxEnv)
	}
	if w, h, ok := z.take(); !ok || w != MaxCols || h != MaxRows {
		t.Fatalf("the newest window change, capped: %dx%d %v", w, h, ok)
	}
}

// A client that stops reading while it floods window changes no longer
// holds its session: the session ends and its slot is free (#26.1).
func TestStalledClientFreesItsSlot(t *testing.T) {
	t.Parallel()
	r := startServe(t, sim.Options{Workers: 4, PushEvery: -1, Seed: 3}, time.Second, 1, func(c *Config) {
		c.Stall = 500 * time.Millisecond
		c.Idle = 2 * time.Second
	})
	sess := deafSession(t, r, 500, 200)
	waitUntil(t, "the session opened", func() bool { return r.srv.Sessions() == 1 })
	go func() {
		for i := range 2000 {
			if sess.WindowChange(200-i%50, 500-i%100) != nil {
				return
			}
		}
	}()
	waitUntil(t, "the stalled session closed and freed its slot", func() bool { return r.srv.Sessions() == 0 })
	// The slot is usable again.
	v, err := r.dial(t, r.operator, 80, 24)
	if err != nil {
		t.Fatal(err)
	}
	v.waitFor(t, "Builds")
}

// A client that never reads and never types (a silent or slow client) is
// closed by the idle timer and frees its slot (#26.1, #26.2).
func TestSilentClientFreesItsSlot(t *testing.T) {
	t.Parallel()
	r := startServe(t, sim.Options{Workers: 4, PushEvery: time.Second, Seed: 3}, 200*time.Millisecond, 1, func(c *Config) {
		c.Stall = 500 * time.Millisecond
		c.Idle = time.Second
	})
	deafSession(t, r, MaxCols, MaxRows)
	waitUntil(t, "the session opened", func() bool { return r.srv.Sessions() == 1 })
	waitUntil(t, "the silent session closed and freed its slot", func() bool { return r.srv.Sessions() == 0 })
	if !strings.Contains(r.log.String(), "session closed") {
		t.Fatalf("no close in the log:\n%s", r.log.String())
	}
}

// Idle TCP connections that never authenticate (#26.5): each is closed at
// its handshake deadline, at most 256 wait at once (16 from one address,
// the oldest closed to let a newcomer in), and a real login still gets in
// while thousands of them are opened.
func TestIdleConnectionsCannotStarveALogin(t *testing.T) {
	t.Parallel()
	r := startServe(t, sim.Options{Workers: 2, PushEvery: -1, Seed: 3}, time.Second, 0, func(c *Config) { c.Handshake = 2 * time.Second })
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range 2000 {
		c, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// The server has taken them all (they come from one address, as the
	// login below does: a later one would push it out as the oldest).
	waitUntil(t, "the server took every connection", func() bool { return r.srv.pre.seen() >= len(conns) })
	if n := r.srv.pre.count(); n > maxPendingPerAddr {
		t.Fatalf("%d connections from one address wait to authenticate, want at most %d", n, maxPendingPerAddr)
	}
	v, err := r.dial(t, r.operator, 80, 24)
	if err != nil {
		t.Fatalf("a real login among 2,000 idle connections: %v", err)
	}
	v.waitFor(t, "Builds")
	// The last idle ones are closed at their deadline: a read ends.
	last := conns[len(conns)-1]
	_ = last.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	for {
		if _, err := last.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("an idle connection outlived its handshake deadline")
			}
			break
		}
	}
	waitUntil(t, "no connection waits", func() bool { return r.srv.pre.count() == 0 })
}

// The key files are refused when others may change them (#26.8): a 0666
// authorized_keys, a symlink, a host key in a directory anyone may write.
func TestKeyFilesStrictModes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	_ = os.WriteFile(keys, nil, 0o600)
	_ = os.Chmod(keys, 0o666)
	if _, err := LoadAuthorizedKeys(keys); err == nil || !strings.Contains(err.Error(), "others may write it") {
		t.Errorf("0666 authorized_keys: %v", err)
	}
	_ = os.Chmod(keys, 0o600)
	link := filepath.Join(dir, "link")
	_ = os.Symlink(keys, link)
	if _, err := LoadOperators(link); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("a symlink: %v", err)
	}
	open := filepath.Join(dir, "open")
	_ = os.Mkdir(open, 0o700)
	_ = os.Chmod(open, 0o777)
	if _, _, err := LoadHostKey(filepath.Join(open, "host_key")); err == nil || !strings.Contains(err.Error(), "its directory") {
		t.Errorf("a host key in a 0777 directory: %v", err)
	}
}

// authorized_keys options are honoured as sshd honours them, or the key is
// refused (#26.6): from= must match the address, command= cannot be kept,
// no-pty forbids the dashboard, expiry-time ends a key.
func TestAuthorizedKeysOptions(t *testing.T) {
	t.Parallel()
	signers := map[string]gossh.Signer{}
	var lines strings.Builder
	for _, c := range []struct{ name, options string }{
		{"here", `from="127.0.0.0/8",no-port-forwarding`}, {"elsewhere", `from="10.*,!127.0.0.1"`},
		{"forced", `command="echo hi"`}, {"nopty", `no-pty`}, {"expired", `expiry-time="20200101"`}, {"named", `from="*.example.com"`},
	} {
		signers[c.name] = newSigner(t)
		lines.WriteString(c.options + " " + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signers[c.name].PublicKey()))) + " " + c.name + "\n")
	}
	path := filepath.Join(t.TempDir(), "keys")
	_ = os.WriteFile(path, []byte(lines.String()), 0o600)
	keys, err := LoadAuthorizedKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	refused := strings.Join(Refused(keys), "\n")
	if !strings.Contains(refused, "(forced): option command cannot be honoured") || !strings.Contains(refused, `(named): from="*.example.com" names a host`) {
		t.Fatalf("refused at start:\n%s", refused)
	}
	r := startServe(t, sim.Options{Workers: 2, PushEvery: -1, Seed: 3}, time.Second, 0, func(c *Config) { c.Keys = keys })
	if v, err := r.dial(t, signers["here"], 80, 24); err != nil {
		t.Fatalf("from= that matches: %v", err)
	} else {
		v.waitFor(t, "Builds")
	}
	for _, name := range []string{"elsewhere", "forced", "expired", "named"} {
		if _, err := r.dial(t, signers[name], 80, 24); err == nil {
			t.Errorf("%s got in", name)
		}
	}
	v, err := r.dial(t, signers["nopty"], 80, 24)
	if err != nil {
		t.Fatal(err)
	}
	v.waitFor(t, "no-pty option forbids a terminal")
	for _, want := range []string{"login refused: " + gossh.FingerprintSHA256(signers["elsewhere"].PublicKey()), "which its from= does not allow", "expired 2020-01-01", "its key has no-pty"} {
		if !strings.Contains(r.log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, r.log.String())
		}
	}
}

// One key may hold at most --max-per-key sessions (#26.11); a read-only
// key's c is refused and written to the audit log (#26.10).
func TestPerKeyLimitAndReadOnlyAudit(t *testing.T) {
	t.Parallel()
	r := startServe(t, sim.Options{Workers: 2, PushEvery: -1, Seed: 3}, time.Second, 0, func(c *Config) { c.MaxPerKey = 1 })
	v, err := r.dial(t, r.reader, 100, 30)
	if err != nil {
		t.Fatal(err)
	}
	v.waitFor(t, "Builds")
	second, err := r.dial(t, r.reader, 100, 30)
	if err != nil {
		t.Fatal(err)
	}
	second.waitFor(t, "your key has reached its limit of 1 open sessions")
	v.in.Write([]byte("c"))
	v.waitFor(t, "read-only: cancel is off")
	waitUntil(t, "the refusal in the audit log", func() bool {
		return strings.Contains(r.log.String(), "audit: cancel by "+gossh.FingerprintSHA256(r.reader.PublicKey())) &&
			strings.Contains(r.log.String(), "refused, read-only key")
	})
}
