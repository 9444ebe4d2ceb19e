// Package api is cfbuilds' client for the Cloudflare Workers Builds REST API,
// on net/http. It decodes Cloudflare's envelope into model types, turns every
// failure into a typed *Error, retries what is safe to retry, and keeps the
// process inside its share of the account's request budget.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// DefaultBaseURL is Cloudflare's API.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4"

// maxBody caps how much of a response is read: a log page is well under it.
const maxBody = 16 << 20

// Client talks to one account. It is safe for concurrent use.
type Client struct {
	account    string
	token      string
	email, key string
	base       *url.URL
	http       *http.Client
	userAgent  string
	sched      *Scheduler
	debug      io.Writer
	debugMu    sync.Mutex
	timeout    time.Duration
	slowAfter  time.Duration
	onSlow     func(method, path string, try, tries int)
	retries    int
	backoff    time.Duration
	maxWait    time.Duration
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error

	mu      sync.Mutex
	flights map[string]*flight // GETs queued or on their way, by URL

	health health
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL points the client at another API root (the simulator, a proxy).
func WithBaseURL(u string) Option {
	return func(c *Client) {
		if p, err := url.Parse(strings.TrimRight(u, "/")); err == nil {
			c.base = p
		} else {
			c.base = &url.URL{Scheme: "invalid"}
		}
	}
}

// WithAPIKey uses the legacy X-Auth-Email and X-Auth-Key instead of a token.
func WithAPIKey(email, key string) Option {
	return func(c *Client) { c.email, c.key = email, key }
}

// WithVersion sets the version in the User-Agent.
func WithVersion(v string) Option { return func(c *Client) { c.userAgent = "cfbuilds/" + v } }

// WithScheduler sends the client's requests through s: the process's one
// request scheduler, shared by every client of the process.
func WithScheduler(s *Scheduler) Option { return func(c *Client) { c.sched = s } }

// WithDebug logs each request's method, path, status and time to w. Headers
// and bodies are never logged, so the token cannot leak there.
func WithDebug(w io.Writer) Option { return func(c *Client) { c.debug = w } }

// WithRetries sets how many times a GET is retried after a network error or a
// 5xx (default 3), and the first backoff (default 500 ms, doubling, jittered).
func WithRetries(n int, backoff time.Duration) Option {
	return func(c *Client) { c.retries, c.backoff = n, backoff }
}

// WithMaxWait sets the longest a call waits at the gate a 429 shut before
// it fails instead (default 60 s; 0: never wait). A test that runs
// commands on its own goroutine takes 0, since no one else moves its clock.
func WithMaxWait(d time.Duration) Option { return func(c *Client) { c.maxWait = max(d, 0) } }

// do1 sends one request. With a slow-answer notice set, it tells it (on
// this goroutine, so what it writes is ordered with the caller's output)
// when the answer is slow in coming: a server that takes connections and
// never answers is said after a few seconds, not only at the timeout.
func (c *Client) do1(ctx context.Context, req *http.Request, method, path string) (*http.Response, error) {
	if c.onSlow == nil {
		return c.http.Do(req)
	}
	type answer struct {
		resp *http.Response
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := c.http.Do(req)
		done <- answer{resp, err}
	}()
	slow := time.NewTimer(c.slowAfter)
	defer slow.Stop()
	for {
		select {
		case a := <-done:
			return a.resp, a.err
		case <-slow.C:
			try, _ := ctx.Value(tryKey{}).([2]int)
			if method != http.MethodGet || try[0] == 0 {
				try = [2]int{1, 1} // a write is sent once
			}
			c.onSlow(method, path, try[0], try[1])
		}
	}
}

// tryKey carries which try of how many a request is, for the slow notice.
type tryKey struct{}

// OnSlowAnswer sets a function told when a request has waited after for
// its answer: which request, and which try of how many. Set it before the
// first request.
func (c *Client) OnSlowAnswer(after time.Duration, f func(method, path string, try, tries int)) {
	c.slowAfter, c.onSlow = after, f
}

// WithTimeout bounds each attempt of a request (default 30 s).
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = max(d, time.Millisecond) }
}

// WithClock replaces the clock the client keeps a 429's block by (tests
// running on simulated time).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// New returns a client for account, authenticating with a bearer token (or
// WithAPIKey). The base URL comes from the option, else DefaultBaseURL.
func New(account, token string, opts ...Option) (*Client, error) {
	c := &Client{
		account:   account,
		token:     token,
		userAgent: "cfbuilds/dev",
		timeout:   30 * time.Second,
		retries:   3,
		backoff:   500 * time.Millisecond,
		maxWait:   60 * time.Second,
		now:       time.Now,
		sleep:     sleepCtx,
		flights:   map[string]*flight{},
	}
	WithBaseURL(DefaultBaseURL)(c)
	for _, o := range opts {
		o(c)
	}
	if c.base.Scheme != "http" && c.base.Scheme != "https" || c.base.Host == "" {
		return nil, fmt.Errorf("use base URL %q: it must be an http(s) URL such as %s", c.base.Redacted(), DefaultBaseURL)
	}
	if account == "" {
		return nil, errors.New("no account id: set CLOUDFLARE_ACCOUNT_ID or --account")
	}
	if token == "" && (c.email == "" || c.key == "") {
		return nil, errors.New("no credentials: set CLOUDFLARE_API_TOKEN (a user API token with Workers CI Read), or try --demo")
	}
	if c.sched == nil {
		c.sched = NewScheduler(int(CloudflareBudget * DefaultShare))
	}
	// A transport of its own, so Close can drop its idle connections
	// without touching anyone else's.
	c.http = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), CheckRedirect: c.checkRedirect}
	return c, nil
}

// checkRedirect follows a few redirects on the same host only: the
// Authorization header must never travel to another host.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		return fmt.Errorf("refused a redirect to another host (%s)", req.URL.Host)
	}
	return nil
}

// Close drops the client's idle connections (and their goroutines).
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Now is the time on the client's clock (WithClock).
func (c *Client) Now() time.Time { return c.now() }

// Scheduler is the scheduler the client's requests go through.
func (c *Client) Scheduler() *Scheduler { return c.sched }

// Usage is the budget as the UI shows it (see Scheduler.Snapshot).
func (c *Client) Usage() model.Budget { return c.sched.Snapshot() }

// withoutDeadline is ctx without its deadline: it ends when ctx is
// cancelled, not when ctx times out.
func withoutDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			cancel()
		}
	})
	return out, func() { stop(); cancel() }
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// do sends one call and decodes the envelope's result into out (if non-nil).
// GETs are retried with jittered exponential backoff on network errors and
// 5xx; other methods are sent exactly once.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, out any) (*ResultInfo, error) {
	return c.send(ctx, method, path, query, nil, out)
}

// doBody is do with a JSON body (nil: none). Like every non-GET, it is sent
// exactly once.
func (c *Client) doBody(ctx context.Context, method, path string, in, out any) (*ResultInfo, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("encode the body of %s %s: %w", method, path, err)
		}
	}
	return c.send(ctx, method, path, nil, body, out)
}

func (c *Client) send(ctx context.Context, method, path string, query url.Values, body []byte, out any) (*ResultInfo, error) {
	// path comes with each segment escaped once (url.PathEscape); setting
	// RawPath keeps url.URL from escaping it a second time.
	u := *c.base
	u.RawPath = c.base.EscapedPath() + path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	} else {
		return nil, fmt.Errorf("build the URL of %s %s: %w", method, path, err)
	}
	u.RawQuery = query.Encode()
	backoff := c.backoff
	for attempt := 0; ; attempt++ {
		info, retryIn, err := c.once(context.WithValue(ctx, tryKey{}, [2]int{attempt + 1, c.retries + 1}), method, path, u.String(), body, out)
		if err == nil {
			c.health.ok()
			return info, nil
		}
		var ae *Error
		if errors.As(err, &ae) && (ae.Kind == ErrNotFound || ae.Kind == ErrRequest) {
			c.health.ok() // the API answered: a refusal is not an outage
		}
		if method != http.MethodGet || attempt >= c.retries || retryIn < 0 || ctx.Err() != nil {
			if ae == nil || ae.Kind != ErrNotFound && ae.Kind != ErrRequest {
				c.health.failed(err, c.now(), 0)
			}
			if attempt > 0 && Retryable(err) {
				return nil, &retriedError{err: err, attempts: attempt + 1}
			}
			return nil, err
		}
		if retryIn == 0 {
			// Full jitter over the doubling backoff, capped at 8 s.
			retryIn = backoff/2 + rand.N(backoff/2+1)
			backoff = min(backoff*2, 8*time.Second)
		}
		next := retryIn
		if retryIn == retryNow {
			next = c.sched.GateFor() // the attempt waits at the gate
		}
		c.health.failed(err, c.now(), next)
		if err := c.sleep(ctx, retryIn); err != nil {
			return nil, err
		}
	}
}

// once makes one attempt. retryIn < 0 means do not retry; 0 means retry after
// the usual backoff; > 0 means retry after exactly that.
func (c *Client) once(ctx context.Context, method, path, rawURL string, reqBody []byte, out any) (*ResultInfo, time.Duration, error) {
	// A gate shut for minutes is an error now, not a silent wait; a short
	// one is waited out in the scheduler's queue.
	if wait := c.sched.GateFor(); wait > c.maxWait {
		return nil, -1, &Error{Kind: ErrRateLimited, Method: method, Path: path, Status: http.StatusTooManyRequests, RetryAfter: wait,
			Detail: "not sent: Cloudflare blocks every call for a while after a 429"}
	}
	resp, body, retryIn, err := c.fetch(ctx, method, path, rawURL, reqBody)
	if err != nil {
		return nil, retryIn, err
	}
	// Each answer is decoded into a value of its own: a failed answer
	// (result: null, an odd field) must leave nothing behind for the retry's.
	fresh := freshTarget(out)
	info, apiErr := c.decode(method, path, resp, body, fresh)
	if apiErr == nil {
		keep(out, fresh)
		return info, 0, nil
	}
	// A server may echo what it was sent; the token must not come back out.
	apiErr.Detail = Scrub(apiErr.Detail, c.token, c.key)
	for i := range apiErr.Errors {
		apiErr.Errors[i].Message = Scrub(apiErr.Errors[i].Message, c.token, c.key)
	}
	return nil, retryWhen(apiErr, c.maxWait), apiErr
}

// flight is one GET queued or on its way, which callers of the same URL
// join instead of sending it again.
type flight struct {
	done    chan struct{}
	prio    model.Priority // the most urgent of those waiting for it
	ticket  *ticket        // its place in the scheduler's queue, once queued
	resp    *http.Response // status and headers; the body is read
	body    []byte
	retryIn time.Duration
	err     error
}

// fetch waits for the request's turn and sends it. A GET of a URL already
// queued or on its way is not sent again: the caller waits for that answer
// (raising its priority when the caller's is more urgent) and decodes it
// afresh. Writes are always sent on their own.
func (c *Client) fetch(ctx context.Context, method, path, rawURL string, reqBody []byte) (*http.Response, []byte, time.Duration, error) {
	if method != http.MethodGet {
		return c.sendOne(ctx, nil, method, path, rawURL, reqBody)
	}
	prio := model.PriorityOf(ctx)
	for {
		c.mu.Lock()
		fl, joined := c.flights[rawURL]
		if !joined {
			fl = &flight{done: make(chan struct{}), prio: prio}
			c.flights[rawURL] = fl
			c.mu.Unlock()
			fl.resp, fl.body, fl.retryIn, fl.err = c.sendOne(ctx, fl, method, path, rawURL, nil)
			c.mu.Lock()
			delete(c.flights, rawURL)
			c.mu.Unlock()
			close(fl.done)
			return fl.resp, fl.body, fl.retryIn, fl.err
		}
		if prio < fl.prio {
			fl.prio = prio
			if fl.ticket != nil {
				c.sched.raise(fl.ticket, prio)
			}
		}
		c.mu.Unlock()
		select {
		case <-fl.done:
		case <-ctx.Done():
			return nil, nil, -1, ctx.Err()
		}
		// The caller that sent it gave up: this one still wants it.
		if fl.err != nil && (errors.Is(fl.err, context.Canceled) || errors.Is(fl.err, context.DeadlineExceeded)) && ctx.Err() == nil {
			continue
		}
		return fl.resp, fl.body, fl.retryIn, fl.err
	}
}

// sendOne queues one request (fl: the flight others join, or nil), waits
// for its turn and sends it.
func (c *Client) sendOne(ctx context.Context, fl *flight, method, path, rawURL string, reqBody []byte) (*http.Response, []byte, time.Duration, error) {
	// Waiting for the budget is pacing, not failure: a deadline of the
	// caller's does not cut it short (a long log reads at the budget's
	// pace), only a cancel does. Each attempt then has its own timeout.
	pace, stopPace := withoutDeadline(ctx)
	defer stopPace()
	prio := model.PriorityOf(ctx)
	c.mu.Lock()
	if fl != nil {
		prio = fl.prio
	}
	t := c.sched.enqueue(prio)
	if fl != nil {
		fl.ticket = t
	}
	c.mu.Unlock()
	t, err := c.sched.await(pace, t)
	if err != nil {
		return nil, nil, -1, fmt.Errorf("wait for the request budget: %w", err)
	}
	return c.exchange(pace, t, method, path, rawURL, reqBody)
}

// retryNow retries at once: the scheduler's gate holds the attempt until
// Cloudflare's Retry-After has passed, and lets one probe through.
const retryNow = time.Nanosecond

// retryWhen says when an API error is worth another attempt.
func retryWhen(e *Error, maxWait time.Duration) time.Duration {
	switch {
	case e.Kind == ErrRateLimited && e.RetryAfter <= maxWait:
		return retryNow
	case e.Kind == ErrServer:
		return 0
	case e.Kind == ErrBadResponse && !e.wellFormed:
		// A garbled or truncated body is usually a proxy or a dropped
		// connection: worth another try for a GET. A well-formed envelope
		// whose result has the wrong shape will not change.
		return 0
	}
	return -1
}

// exchange sends a granted request and reads its answer, telling the
// scheduler what came back (its budget headers, a 429).
func (c *Client) exchange(ctx context.Context, t *ticket, method, path, rawURL string, reqBody []byte) (*http.Response, []byte, time.Duration, error) {
	status, header, wait := 0, http.Header(nil), time.Duration(0)
	defer func() { c.sched.Answered(t, status, header, wait) }()
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// Whether the request left whole: a write whose answer never came may
	// have been carried out, and must be said so.
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) { wrote.Store(i.Err == nil) }})
	req, err := c.request(actx, method, path, rawURL, reqBody)
	if err != nil {
		return nil, nil, -1, err
	}
	start := c.now()
	resp, err := c.do1(ctx, req, method, path)
	if err != nil {
		c.logf("%s %s: %v (%s)", method, path, c.scrub(err), c.now().Sub(start).Round(time.Millisecond))
		if ctx.Err() != nil {
			return nil, nil, -1, ctx.Err()
		}
		return nil, nil, 0, &netError{method: method, path: path, err: c.scrub(err), sent: wrote.Load()}
	}
	defer resp.Body.Close()
	status, header = resp.StatusCode, resp.Header
	if status == http.StatusTooManyRequests {
		wait = retryAfter(resp)
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	c.logf("%s %s: HTTP %d, %d bytes (%s)", method, path, resp.StatusCode, len(body), c.now().Sub(start).Round(time.Millisecond))
	if rerr != nil {
		if ctx.Err() != nil {
			return nil, nil, -1, ctx.Err()
		}
		return nil, nil, 0, &netError{method: method, path: path, err: fmt.Errorf("read body: %w", c.scrub(rerr)), sent: true}
	}
	if len(body) > maxBody {
		return nil, nil, -1, &Error{Kind: ErrBadResponse, Method: method, Path: path, Status: resp.StatusCode,
			Detail: fmt.Sprintf("response larger than %d MB", maxBody>>20)}
	}
	return resp, body, 0, nil
}

// request is one HTTP request with the client's headers and credentials.
func (c *Client) request(ctx context.Context, method, path, rawURL string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, c.scrub(err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else {
		req.Header.Set("X-Auth-Email", c.email)
		req.Header.Set("X-Auth-Key", c.key)
	}
	return req, nil
}

// decode reads the envelope. Both a non-2xx status and success:false are errors.
func (c *Client) decode(method, path string, resp *http.Response, body []byte, out any) (*ResultInfo, *Error) {
	env, resultErr, jsonErr := decodeEnvelopeInto(body, out)
	if jsonErr != nil || env.Success == nil {
		_, kind := classify(method, path, resp.StatusCode, nil)
		if resp.StatusCode < 300 || kind == ErrRequest {
			kind = ErrBadResponse
		}
		e := &Error{Kind: kind, Method: method, Path: path, Status: resp.StatusCode, Detail: describeBody(resp, body, c.token, c.key),
			wellFormed: jsonErr == nil && resp.StatusCode < 300}
		if kind == ErrRateLimited {
			e.RetryAfter = retryAfter(resp)
		}
		return nil, e
	}
	if resp.StatusCode >= 300 || !*env.Success {
		hint, kind := classify(method, path, resp.StatusCode, env.Errors)
		msgs := make([]Message, len(env.Errors))
		for i, m := range env.Errors {
			msgs[i] = Message{Code: m.Code, Message: model.SanitizeInline(m.Message)}
		}
		e := &Error{Kind: kind, Method: method, Path: path, Status: resp.StatusCode, Errors: msgs, Detail: hint}
		if kind == ErrRateLimited {
			e.RetryAfter = retryAfter(resp)
		}
		return nil, e
	}
	if resultErr != nil {
		return nil, &Error{Kind: ErrBadResponse, Method: method, Path: path, Status: resp.StatusCode,
			Detail: "result has an unexpected shape: " + model.SanitizeInline(resultErr.Error()), wellFormed: true}
	}
	return env.ResultInfo, nil
}

// describeBody says what a non-envelope body was, with a short sanitized excerpt.
func describeBody(resp *http.Response, body []byte, secrets ...string) string {
	ct := resp.Header.Get("Content-Type")
	what := "a body that is not JSON"
	trimmed := strings.TrimSpace(string(body))
	switch {
	case len(trimmed) == 0:
		what = "an empty body"
	case strings.Contains(ct, "html") || strings.HasPrefix(strings.ToLower(trimmed), "<!doctype") || strings.HasPrefix(trimmed, "<"):
		what = "an HTML page, not JSON (a proxy or Cloudflare's edge answered)"
	case json.Valid(body):
		what = "JSON that is not Cloudflare's envelope (no \"success\" field): is the base URL right?"
	case strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "["):
		what = "malformed or truncated JSON"
	}
	// Secrets go before the cut: a cut may not leave part of one behind.
	excerpt := scrubCut(model.SanitizeInline(trimmed), 80, secrets...)
	if excerpt == "" {
		return what
	}
	return fmt.Sprintf("%s: %q", what, strings.ToValidUTF8(excerpt, "?"))
}

// retryAfter reads Retry-After in seconds (or an HTTP date); Cloudflare's block
// is five minutes when it says nothing.
func retryAfter(resp *http.Response) time.Duration {
	v := resp.Header.Get("Retry-After")
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 5 * time.Minute
}

// netError is a failure to reach the API, or to hear its answer: sent
// says the request had left whole.
type netError struct {
	method, path string
	err          error
	sent         bool
}

func (e *netError) Error() string {
	if e.sent && e.method != http.MethodGet {
		return fmt.Sprintf("%s %s: no answer came after the request was sent (%v): it may have been carried out; "+
			"look at the build list (cfbuilds list) before trying again", e.method, e.path, e.err)
	}
	return fmt.Sprintf("%s %s: cannot reach the API: %v", e.method, e.path, e.err)
}
func (e *netError) Unwrap() error { return e.err }

// retriedError says a call failed every time it was tried.
type retriedError struct {
	err      error
	attempts int
}

func (e *retriedError) Error() string {
	return fmt.Sprintf("%v (tried %d times; the API or the network is failing, try again later)", e.err, e.attempts)
}
func (e *retriedError) Unwrap() error { return e.err }

// scrub removes the credentials from an error's text, however it got there.
func (c *Client) scrub(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	clean := Scrub(s, c.token, c.key)
	if clean == s {
		return err
	}
	return errors.New(clean)
}

// scrubCut redacts the secrets in s, then cuts it to n bytes; a cut that
// ends in the first 8 or more characters of a secret redacts those too.
func scrubCut(s string, n int, secrets ...string) string {
	s = Scrub(s, secrets...)
	if len(s) <= n {
		return s
	}
	s = strings.ToValidUTF8(s[:n], "")
	for _, sec := range secrets {
		for k := len(sec) - 1; k >= 8; k-- {
			if strings.HasSuffix(s, sec[:k]) {
				s = s[:len(s)-k] + "[redacted]"
				break
			}
		}
	}
	return s + "…"
}

// Scrub replaces each secret in s with "[redacted]".
func Scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// Debugf writes a line to the debug log (--debug FILE), if there is one.
func (c *Client) Debugf(format string, args ...any) { c.logf(format, args...) }

func (c *Client) logf(format string, args ...any) {
	if c.debug == nil {
		return
	}
	line := fmt.Sprintf(format, args...)
	line = Scrub(line, c.token, c.key)
	c.debugMu.Lock()
	defer c.debugMu.Unlock()
	fmt.Fprintf(c.debug, "%s %s\n", c.now().UTC().Format(time.RFC3339Nano), line)
}

// freshTarget is a new zero value of the type out points to (nil for nil).
func freshTarget(out any) any {
	if out == nil {
		return nil
	}
	return reflect.New(reflect.TypeOf(out).Elem()).Interface()
}

// keep stores a decoded answer in the caller's out.
func keep(out, fresh any) {
	if out != nil {
		reflect.ValueOf(out).Elem().Set(reflect.ValueOf(fresh).Elem())
	}
}

// The client is what every front end reads through.
var _ model.Source = (*Client)(nil)
