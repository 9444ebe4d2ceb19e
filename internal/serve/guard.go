package serve

// What a client may ask of a session, bounded: the session channel's
// requests pass through a filter before the SSH library sees them, and the
// session's output gives up on a client that stops reading. Each bound
// answers a way a hostile or broken client held a slot or memory for good.

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

const (
	// MaxCols and MaxRows cap a session's terminal: a 10000x10000 pty
	// would cost the server gigabytes of frames.
	MaxCols, MaxRows = 500, 200
	// maxEnv and maxEnvBytes cap the environment a client may send.
	maxEnv, maxEnvBytes = 64, 4096
	// maxQueued is how many requests a session may have waiting for the
	// library to take them; past it they are refused.
	maxQueued = 64
)

// guardSessions is the session channel handler with the client's requests
// filtered (filterRequests).
func guardSessions(next ssh.ChannelHandler) ssh.ChannelHandler {
	return func(srv *ssh.Server, conn *gossh.ServerConn, newChan gossh.NewChannel, ctx ssh.Context) {
		z := &sizes{notify: make(chan struct{}, 1)}
		ctx.SetValue(sizesKey{}, z)
		next(srv, conn, guardedChannel{newChan, z}, ctx)
	}
}

type guardedChannel struct {
	gossh.NewChannel
	sizes *sizes
}

func (g guardedChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := g.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	return ch, filterRequests(reqs, g.sizes), nil
}

// sizes carries a session's window changes from the filter to its
// program, the newest only: the filter never waits on a busy program, and
// the SSH library never sees them (it would write the session's pty size
// while the program reads it).
type sizes struct {
	mu     sync.Mutex
	latest *[2]int
	notify chan struct{} // one pending signal at most
}

type sizesKey struct{}

func (z *sizes) put(w, h int) {
	z.mu.Lock()
	z.latest = &[2]int{w, h}
	z.mu.Unlock()
	select {
	case z.notify <- struct{}{}:
	default:
	}
}

// take is the newest size not yet taken.
func (z *sizes) take() (w, h int, ok bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.latest == nil {
		return 0, 0, false
	}
	w, h = z.latest[0], z.latest[1]
	z.latest = nil
	return w, h, true
}

// filterRequests reads a session's requests as fast as they come, so a
// flood never stalls the connection, and passes on what the session may
// have: environment variables up to maxEnv of maxEnvBytes, a pty size
// capped at MaxCols x MaxRows, no agent forwarding (it is never used).
// Window changes, capped too, go to the program through z, the newest only.
func filterRequests(in <-chan *gossh.Request, z *sizes) <-chan *gossh.Request {
	out := make(chan *gossh.Request)
	go func() {
		defer close(out)
		var queue []*gossh.Request
		envs := 0
		for in != nil || len(queue) > 0 {
			var next *gossh.Request
			var send chan<- *gossh.Request
			if len(queue) > 0 {
				next, send = queue[0], out
			}
			select {
			case r, ok := <-in:
				if !ok {
					in = nil
					continue
				}
				switch r.Type {
				case "env":
					envs++
					if envs > maxEnv || len(r.Payload) > maxEnvBytes {
						refuse(r)
						continue
					}
				case "pty-req":
					r.Payload = capPty(r.Payload)
				case "window-change":
					if p := capWindow(r.Payload); len(p) >= 8 {
						z.put(int(binary.BigEndian.Uint32(p)), int(binary.BigEndian.Uint32(p[4:])))
					}
					if r.WantReply {
						_ = r.Reply(true, nil)
					}
					continue
				case "auth-agent-req@openssh.com":
					refuse(r)
					continue
				}
				if len(queue) >= maxQueued {
					refuse(r)
					continue
				}
				queue = append(queue, r)
			case send <- next:
				queue = queue[1:]
			}
		}
	}()
	return out
}

func refuse(r *gossh.Request) {
	if r.WantReply {
		_ = r.Reply(false, nil)
	}
}

// capPty caps the size in a pty-req payload: string TERM, then uint32
// columns and rows.
func capPty(p []byte) []byte {
	if len(p) < 4 {
		return p
	}
	n := int(binary.BigEndian.Uint32(p))
	if n < 0 || 4+n+8 > len(p) {
		return p
	}
	out := append([]byte(nil), p...)
	capSize(out[4+n:])
	return out
}

// capWindow caps a window-change payload: uint32 columns and rows.
func capWindow(p []byte) []byte {
	if len(p) < 8 {
		return p
	}
	out := append([]byte(nil), p...)
	capSize(out)
	return out
}

func capSize(b []byte) {
	if binary.BigEndian.Uint32(b) > MaxCols {
		binary.BigEndian.PutUint32(b, MaxCols)
	}
	if binary.BigEndian.Uint32(b[4:]) > MaxRows {
		binary.BigEndian.PutUint32(b[4:], MaxRows)
	}
}

// stallGuard is a session's output that gives up on a client that stops
// reading: a write that has not gone through after timeout closes the
// session, so the program's writes return and the session ends (and frees
// its slot) instead of hanging for good.
type stallGuard struct {
	w       io.Writer
	close   func() error
	timeout time.Duration
	mu      sync.Mutex // one write at a time, as the session's own writes are
}

var errStalled = errors.New("the client stopped reading: session closed")

func (g *stallGuard) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var stalled atomic.Bool
	t := time.AfterFunc(g.timeout, func() {
		stalled.Store(true)
		_ = g.close()
	})
	n, err := g.w.Write(p)
	if !t.Stop() && stalled.Load() {
		return n, errStalled
	}
	return n, err
}
