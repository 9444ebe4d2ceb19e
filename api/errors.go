package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error kinds, for errors.Is. Every error the client returns for an API answer
// is an *Error whose Kind is one of these. Their text is what a person reads
// first, so each says what happened in plain words.
var (
	// ErrUnauthorized: 401 (a token that is invalid, expired or account-scoped).
	ErrUnauthorized = errors.New("token refused")
	// ErrForbidden: 403 (with code 10000: the token lacks a permission).
	ErrForbidden = errors.New("permission missing")
	// ErrNotFound: 404 or code 12000.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: 429, whatever code it carries; the client refuses
	// further calls until RetryAfter.
	ErrRateLimited = errors.New("rate limited by Cloudflare")
	// ErrServer: 5xx.
	ErrServer = errors.New("Cloudflare's API failed") //lint:ignore ST1005 Cloudflare is a name
	// ErrBadResponse: a body that is not the JSON envelope (HTML, garbage, truncated).
	ErrBadResponse = errors.New("unreadable answer")
	// ErrRequest: any other 4xx or success:false (e.g. cancelling a stopped build).
	ErrRequest = errors.New("request refused")
)

// Message is one entry of the envelope's errors array.
type Message struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Error is an API failure: the HTTP status, Cloudflare's codes and messages,
// and what the caller can do about it.
type Error struct {
	Kind       error
	Method     string
	Path       string // without query string or host
	Status     int
	Errors     []Message
	RetryAfter time.Duration // for ErrRateLimited
	Detail     string        // sanitized excerpt or hint

	wellFormed bool // the envelope parsed; only its result was wrong
}

// Error leads with what happened and what to do, then Cloudflare's own
// words, and puts the status and the request last: a status line cut short
// still shows the useful part.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Kind == ErrRateLimited && e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry in %s)", e.RetryAfter.Round(time.Second))
	}
	for i, m := range e.Errors {
		if i == 0 {
			b.WriteString(" · Cloudflare says ")
		} else {
			b.WriteString("; ")
		}
		if m.Code != 0 {
			fmt.Fprintf(&b, "%d ", m.Code)
		}
		b.WriteString(m.Message)
	}
	b.WriteString(" · ")
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d ", e.Status)
	}
	fmt.Fprintf(&b, "%s %s", e.Method, e.Path)
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) and friends work.
func (e *Error) Is(target error) bool { return e.Kind == target }

// Unwrap exposes the kind.
func (e *Error) Unwrap() error { return e.Kind }

// HasCode reports whether Cloudflare sent the given error code.
func (e *Error) HasCode(code int) bool {
	for _, m := range e.Errors {
		if m.Code == code {
			return true
		}
	}
	return false
}

// Cloudflare error codes the client reacts to.
const (
	codeAuth     = 10000
	codeNotFound = 12000
	codeNoRoute  = 7003 // "Could not route to ...": usually a wrong account id
)

// hintAuth says what to do about a refused token.
const hintAuth = "the Builds API needs a user-scoped API token (My Profile › API Tokens) with Workers CI Read; account-scoped tokens are answered \"Invalid token\""

// permissionFor names the token permission a call needs: Workers CI Edit to
// act on builds, Workers Scripts Read for the Workers API, else Workers CI Read.
func permissionFor(method, path string) string {
	switch {
	case strings.Contains(path, "/queues") || strings.Contains(path, "/event_subscriptions"):
		// Pulling acknowledges: a write, even to read events.
		return "Queues Read and Queues Write"
	case method != "GET":
		return "Workers CI Edit"
	case strings.Contains(path, "/workers/scripts"):
		return "Workers Scripts Read"
	}
	return "Workers CI Read"
}

// classify picks the error kind by HTTP status first, then by code: a 429 is
// a rate limit whatever code it carries, and code 10000 means a refused
// token on a 401 but a missing permission on a 403.
func classify(method, path string, status int, msgs []Message) (string, error) {
	has := func(c int) bool {
		for _, m := range msgs {
			if m.Code == c {
				return true
			}
		}
		return false
	}
	switch {
	case status == 429:
		return "the account's budget of requests is spent and every call is blocked until it resets", ErrRateLimited
	case status == 401:
		return hintAuth, ErrUnauthorized
	case status == 403:
		return "add " + permissionFor(method, path) + " to the API token (My Profile › API Tokens)", ErrForbidden
	case has(codeNoRoute) && strings.HasPrefix(path, "/accounts/"):
		// Only a path with an account id in it can be wrong for that.
		return "check the account id (CLOUDFLARE_ACCOUNT_ID or --account): it is the hex id in your dashboard URL", ErrNotFound
	case status == 404, has(codeNotFound):
		return "", ErrNotFound
	case status >= 500:
		return "", ErrServer
	case has(codeAuth):
		// success:false with 10000 on a 2xx or another 4xx.
		return hintAuth, ErrUnauthorized
	}
	return "", ErrRequest
}

func asError(err error, target **Error) bool { return errors.As(err, target) }

// RetryAfter is how long the API asked the caller to wait, or 0.
func RetryAfter(err error) time.Duration { return retryAfterOf(err) }

// Retryable reports whether trying again later may mend err: a network
// failure, a 5xx, a rate limit, a garbled answer. A refused token, a missing
// permission, an unknown build, a refused request, a well-formed answer of
// the wrong shape, a log whose cursor loops, or a cancelled call will not
// mend by waiting. The CLI, the dashboard and the client's own retries all
// ask this one function.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	for _, kind := range []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRequest, ErrCursorLoop, ErrCursorStuck} {
		if errors.Is(err, kind) {
			return false
		}
	}
	var ae *Error
	return !(errors.As(err, &ae) && ae.Kind == ErrBadResponse && ae.wellFormed)
}

// Refused reports a credentials error: the token was refused or lacks a
// permission. The dashboard says so where its builds would be.
func Refused(err error) bool {
	return errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden)
}

// NotFound reports a 404 (or code 12000): the thing asked for is gone or
// never was. model asks it through an interface, without importing api.
func (e *Error) NotFound() bool { return e.Kind == ErrNotFound }
