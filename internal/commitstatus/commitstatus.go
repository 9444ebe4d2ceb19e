// Package commitstatus posts one commit status for a push to GitHub or
// GitLab (API.md, "Commit statuses"): the whole push's verdict under one
// context, so a branch protection rule can require it.
package commitstatus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// State is a status's state, in GitHub's words; GitLab's are mapped.
type State string

const (
	Pending State = "pending"
	Success State = "success"
	Failure State = "failure"
	// Error is a watch that could not judge: nothing was expected to
	// build the push (GitLab has no such state: "failed").
	Error State = "error"
)

// Status is one post.
type Status struct {
	State       State
	Description string // at most 140 characters (GitHub's limit); cut here
	TargetURL   string
	Context     string // GitHub's context, GitLab's name
}

// Poster posts statuses of one commit of one repository.
type Poster struct {
	kind   string // github | gitlab
	base   *url.URL
	token  string
	job    bool   // GitLab's CI_JOB_TOKEN (JOB-TOKEN header) rather than PRIVATE-TOKEN
	repo   string // owner/name (GitHub), group/project (GitLab)
	sha    string
	client *http.Client
	after  func(d time.Duration) <-chan time.Time
}

// Options say where to post: the kind, the API, the credentials, the
// repository and the commit.
type Options struct {
	Kind   string // github or gitlab
	APIURL string // default https://api.github.com or https://gitlab.com/api/v4
	Token  string
	// JobToken says Token is GitLab's CI_JOB_TOKEN.
	JobToken bool
	Repo     string
	SHA      string
	Client   *http.Client // default a client with a 15 s timeout; never follows a redirect
	// After times the waits between the final post's tries (default
	// time.After); tests give one that fires at once.
	After func(d time.Duration) <-chan time.Time
}

// New checks the options: a kind it knows, a token, a repository and a
// commit, and an https API URL (plain http only on loopback: the token
// would travel in clear text).
func New(o Options) (*Poster, error) {
	def := map[string]string{"github": "https://api.github.com", "gitlab": "https://gitlab.com/api/v4"}
	base, ok := def[o.Kind]
	if !ok {
		return nil, fmt.Errorf("--status wants github or gitlab, got %q", o.Kind)
	}
	if o.APIURL != "" {
		base = o.APIURL
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("the %s API URL %q is not an http(s) URL", o.Kind, base)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return nil, fmt.Errorf("the %s API URL %s is plain HTTP to another machine: the token would travel in clear text; use https", o.Kind, u.Redacted())
	}
	switch {
	case o.Token == "" && o.Kind == "github":
		return nil, errors.New("--status github needs GITHUB_TOKEN (in Actions: permissions: statuses: write)")
	case o.Token == "":
		return nil, errors.New("--status gitlab needs GITLAB_TOKEN (api scope) or CI_JOB_TOKEN")
	case o.Repo == "" || !strings.Contains(o.Repo, "/"):
		return nil, fmt.Errorf("--status %s needs the repository as owner/name (--repo, or GITHUB_REPOSITORY / CI_PROJECT_PATH)", o.Kind)
	case o.SHA == "":
		return nil, fmt.Errorf("--status %s needs the commit's full SHA", o.Kind)
	}
	c := o.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	// A write is never redirected: a 3xx would turn the POST into a GET
	// (nothing posted, yet "success") and carry the token elsewhere.
	nc := *c
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	after := o.After
	if after == nil {
		after = time.After
	}
	return &Poster{kind: o.Kind, base: u, token: o.Token, job: o.JobToken, repo: o.Repo, sha: o.SHA, client: &nc, after: after}, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Post posts one status; an error says what to fix in plain words.
func (p *Poster) Post(ctx context.Context, s Status) error {
	if len(s.Description) > 140 {
		cut := 139
		for cut > 0 && s.Description[cut]&0xC0 == 0x80 {
			cut--
		}
		s.Description = s.Description[:cut] + "…"
	}
	var endpoint string
	body := map[string]string{"description": s.Description, "target_url": s.TargetURL}
	if p.kind == "github" {
		endpoint = p.base.String() + "/repos/" + p.repo + "/statuses/" + url.PathEscape(p.sha)
		body["state"], body["context"] = string(s.State), s.Context
	} else {
		endpoint = p.base.String() + "/projects/" + url.PathEscape(p.repo) + "/statuses/" + url.PathEscape(p.sha)
		body["state"], body["name"] = map[State]string{Pending: "running", Success: "success", Failure: "failed", Error: "failed"}[s.State], s.Context
	}
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("post the commit status: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	switch {
	case p.kind == "github":
		req.Header.Set("Authorization", "Bearer "+p.token)
	case p.job:
		req.Header.Set("JOB-TOKEN", p.token)
	default:
		req.Header.Set("PRIVATE-TOKEN", p.token)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return &postError{retry: true, err: fmt.Errorf("post the commit status to %s: cannot reach %s (%v)", p.kind, p.base.Host, scrub(err, p.token))}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode/100 == 3:
		return fmt.Errorf("post the commit status: %s answered a redirect (HTTP %d to %s), which a status write never follows: nothing was posted; check the API URL", p.kind, resp.StatusCode, redactedLocation(resp))
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode/100 == 5:
		return &postError{retry: true, err: fmt.Errorf("post the commit status: %s answered HTTP %d", p.kind, resp.StatusCode)}
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("post the commit status: %s refused the token (HTTP 401): check %s", p.kind, p.tokenName())
	case resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("post the commit status: the token may not write statuses to %s (HTTP 403): %s", p.repo, p.permission())
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("post the commit status: %s has no repository %s, or the token cannot see it (HTTP 404): check --repo and %s", p.kind, p.repo, p.tokenName())
	case resp.StatusCode == http.StatusUnprocessableEntity:
		return fmt.Errorf("post the commit status: %s refused it (HTTP 422): is %s a commit of %s?", p.kind, p.sha, p.repo)
	}
	return fmt.Errorf("post the commit status: %s answered HTTP %d", p.kind, resp.StatusCode)
}

// postError is a post that failed in a way a later try may mend: the
// forge unreachable, a 5xx or a 429.
type postError struct {
	retry bool
	err   error
}

func (e *postError) Error() string { return e.err.Error() }
func (e *postError) Unwrap() error { return e.err }

// finalWithin is how long the final post is tried again.
const finalWithin = 60 * time.Second

// PostFinal posts the push's final status, trying again with a doubling
// wait (1 s, 2 s, … at most 15 s) for up to a minute while the forge is
// unreachable or answers 5xx or 429. A refusal (401, 403, 404, 422, a
// redirect) is not tried again. The error is the last try's.
func (p *Poster) PostFinal(ctx context.Context, s Status) error {
	wait, spent := time.Second, time.Duration(0)
	for {
		err := p.Post(ctx, s)
		var pe *postError
		if err == nil || !errors.As(err, &pe) || !pe.retry || spent+wait > finalWithin {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-p.after(wait):
		}
		spent += wait
		wait = min(wait*2, 15*time.Second)
	}
}

// redactedLocation is where a redirect pointed, without its query.
func redactedLocation(resp *http.Response) string {
	loc, err := resp.Location()
	if err != nil {
		return "nowhere said"
	}
	loc.RawQuery, loc.User = "", nil
	return loc.String()
}

func (p *Poster) tokenName() string {
	if p.kind == "github" {
		return "GITHUB_TOKEN"
	}
	return "GITLAB_TOKEN or CI_JOB_TOKEN"
}

func (p *Poster) permission() string {
	if p.kind == "github" {
		return "give the workflow permissions: statuses: write"
	}
	return "use a token with the api scope (a job token may not post statuses on every instance)"
}

// scrub keeps the token out of an error's text.
func scrub(err error, token string) string {
	s := err.Error()
	if token != "" {
		s = strings.ReplaceAll(s, token, "[redacted]")
	}
	return s
}
