package serve

// Connections before they authenticate: each gets a deadline to do so, and
// only so many may wait at once (per address and in all), the oldest closed
// to let a newcomer in. Idle TCP connections by the thousand then cost a
// bounded number of file descriptors, and a real login still gets in.

import (
	"net"
	"sync"
	"time"

	"github.com/charmbracelet/ssh"
)

const (
	// handshakeTimeout is how long a connection may take to authenticate.
	handshakeTimeout = 20 * time.Second
	// maxPendingPerAddr and maxPending cap the connections that have not
	// authenticated yet, from one address and in all.
	maxPendingPerAddr, maxPending = 16, 256
)

// pending is one connection that has not authenticated yet.
type pending struct {
	conn  net.Conn
	addr  string
	timer *time.Timer
	done  bool // authenticated or closed: no longer pending
}

// preAuth tracks the connections that have not authenticated.
type preAuth struct {
	mu       sync.Mutex
	waiting  []*pending // oldest first
	timeout  time.Duration
	admitted int // connections seen in all
}

type pendingKey struct{}

// admit is the server's ConnCallback: it starts the connection's deadline
// and, past a cap, closes the oldest waiting connection (of this address
// when that is over its cap, else of all) to make room.
func (p *preAuth) admit(ctx ssh.Context, conn net.Conn) net.Conn {
	addr, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
	pc := &pending{conn: conn, addr: addr}
	p.mu.Lock()
	sameAddr := 0
	for _, w := range p.waiting {
		if w.addr == addr {
			sameAddr++
		}
	}
	if sameAddr >= maxPendingPerAddr {
		p.evictLocked(addr)
	} else if len(p.waiting) >= maxPending {
		p.evictLocked("")
	}
	p.waiting = append(p.waiting, pc)
	p.admitted++
	pc.timer = time.AfterFunc(p.timeout, func() { p.drop(pc, true) })
	p.mu.Unlock()
	ctx.SetValue(pendingKey{}, pc)
	return conn
}

// evictLocked closes the oldest waiting connection (of addr, or any).
func (p *preAuth) evictLocked(addr string) {
	for i, w := range p.waiting {
		if addr == "" || w.addr == addr {
			p.waiting = append(p.waiting[:i:i], p.waiting[i+1:]...)
			w.done = true
			w.timer.Stop()
			_ = w.conn.Close()
			return
		}
	}
}

// authenticated takes a connection off the waiting list: it logged in.
func (p *preAuth) authenticated(ctx ssh.Context) {
	if pc, ok := ctx.Value(pendingKey{}).(*pending); ok {
		p.drop(pc, false)
	}
}

// drop ends a connection's wait; closing it when its deadline passed.
func (p *preAuth) drop(pc *pending, close bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pc.done {
		return
	}
	pc.done = true
	pc.timer.Stop()
	for i, w := range p.waiting {
		if w == pc {
			p.waiting = append(p.waiting[:i:i], p.waiting[i+1:]...)
			break
		}
	}
	if close {
		_ = pc.conn.Close()
	}
}

// seen is how many connections were admitted in all.
func (p *preAuth) seen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.admitted
}

// count is how many connections wait to authenticate.
func (p *preAuth) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.waiting)
}
