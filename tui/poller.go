package tui

import (
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

// poller is one kind of poll: one request in flight at a time, a sequence
// number its reply must carry, a generation for armed ticks (a reset voids
// the ticks armed before it), and a doubling back-off after errors. Every
// kind of poll goes through it, so the rules are written once.
type poller struct {
	kind     pollKind
	base     time.Duration // the first wait after an error
	seq      int
	inFlight bool
	gen      int
	backoff  time.Duration
	next     time.Time // when the next tick fires
	err      error     // the last error, cleared by a success
	errAt    time.Time
}

// refused reports an error no waiting will mend: the token was refused or
// lacks a permission (api.Refused; the root's one door to the api package).
func refused(err error) bool { return api.Refused(err) }

// meaning is an error's text from what the API said, without the verb
// phrases wrapped around it: what it means comes first.
func meaning(err error) string {
	var ae *api.Error
	if errors.As(err, &ae) {
		return model.SanitizeInline(ae.Error())
	}
	return errorText(err)
}

// maxBackoff caps the doubling wait after errors.
const maxBackoff = 2 * time.Minute

// timerFunc delivers msg after d.
type timerFunc func(d time.Duration, msg tea.Msg) tea.Cmd

// start begins a request: it returns the sequence number the reply must
// carry, or false while another request of this kind is in flight.
func (p *poller) start() (int, bool) {
	if p.inFlight {
		return 0, false
	}
	p.seq++
	p.inFlight = true
	return p.seq, true
}

// restart begins a request whatever is in flight (a new selection): the
// reply of the old one will be stale.
func (p *poller) restart() int {
	p.seq++
	p.gen++
	p.inFlight = true
	p.succeeded()
	return p.seq
}

// done takes a reply. It reports false for a stale one (an older request):
// drop it. For a failure it records the error and returns, with false, the
// tick that tries again after the back-off; for a success it clears the
// error and returns true.
func (p *poller) done(seq int, err error, now time.Time, after timerFunc) (bool, tea.Cmd) {
	if seq != p.seq {
		return false, nil
	}
	p.inFlight = false
	if err != nil {
		return false, p.arm(p.failed(err, now), now, after)
	}
	p.succeeded()
	return true, nil
}

// failed records an error and returns how long to wait before trying again:
// doubling from base, capped, and never shorter than a Retry-After.
func (p *poller) failed(err error, now time.Time) time.Duration {
	p.err, p.errAt = err, now
	if p.backoff == 0 {
		p.backoff = p.base
	} else {
		p.backoff = min(p.backoff*2, maxBackoff)
	}
	wait := p.backoff
	if ra := api.RetryAfter(err); ra > wait {
		wait = ra
	}
	return wait
}

func (p *poller) succeeded() {
	p.err, p.backoff = nil, 0
}

// arm schedules the next tick of this kind and remembers when it fires.
func (p *poller) arm(d time.Duration, now time.Time, after timerFunc) tea.Cmd {
	p.next = now.Add(d)
	return after(d, pollMsg{kind: p.kind, gen: p.gen})
}
