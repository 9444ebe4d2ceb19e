package api

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error kinds, for errors.Is. Every error the client returns for an API answer
// is an *Error whose Kind is one of these.
var (
	// ErrUnauthorized: 401, or 403 with code 10000 (a token that is invalid,
	// account-scoped, or lacks the permission).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: any other 403.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: 404 or code 12000.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: 429; the client refuses further calls until RetryAfter.
	ErrRateLimited = errors.New("rate limited")
	// ErrServer: 5xx.
	ErrServer = errors.New("server error")
	// ErrBadResponse: a body that is not the JSON envelope (HTML, garbage, truncated).
	ErrBadResponse = errors.New("bad response")
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

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d ", e.Status)
	}
	b.WriteString(e.Kind.Error())
	for _, m := range e.Errors {
		fmt.Fprintf(&b, "; %d %s", m.Code, m.Message)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
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

// hintAuth says what to do about an authentication failure.
const hintAuth = "the Builds API needs a user-scoped API token with the Workers CI permission (Read to watch, Edit to cancel); account-scoped tokens are answered \"Invalid token\""

// classify picks the error kind from status and codes.
func classify(status int, msgs []Message) (error, string) {
	has := func(c int) bool {
		for _, m := range msgs {
			if m.Code == c {
				return true
			}
		}
		return false
	}
	switch {
	case status == 401, has(codeAuth):
		return ErrUnauthorized, hintAuth
	case status == 403:
		return ErrForbidden, "the token lacks a permission this call needs"
	case has(codeNoRoute):
		return ErrNotFound, "check the account id (CLOUDFLARE_ACCOUNT_ID or --account): it is the hex id in your dashboard URL"
	case status == 404, has(codeNotFound):
		return ErrNotFound, ""
	case status == 429:
		return ErrRateLimited, ""
	case status >= 500:
		return ErrServer, ""
	}
	return ErrRequest, ""
}

func asError(err error, target **Error) bool { return errors.As(err, target) }

// RetryAfter is how long the API asked the caller to wait, or 0.
func RetryAfter(err error) time.Duration { return retryAfterOf(err) }
