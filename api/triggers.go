package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// Triggers lists a Worker's build triggers (production and preview, at most
// two), each with its commands, filters and repository connection.
func (c *Client) Triggers(ctx context.Context, w model.Worker) ([]model.Trigger, error) {
	var res []wireTrigger
	if _, err := c.do(ctx, http.MethodGet, c.accountPath()+"/builds/workers/"+url.PathEscape(w.Tag)+"/triggers", nil, &res); err != nil {
		return nil, fmt.Errorf("list triggers of Worker %s: %w", workerLabel(w), err)
	}
	out := make([]model.Trigger, 0, len(res))
	for _, t := range res {
		out = append(out, t.model())
	}
	return out, nil
}

// BuildRequest says what a manual build builds: a branch or a commit (the
// API takes one of the two; a rebuild sends both, as Cloudflare documents).
type BuildRequest struct {
	Branch     string `json:"branch,omitempty"`
	CommitHash string `json:"commit_hash,omitempty"`
}

// CreatedBuild is the API's answer to a manual build.
type CreatedBuild struct {
	UUID      string
	CreatedOn time.Time
}

// CreateBuild starts a build of a trigger. It is sent exactly once, never
// retried: a second POST would start a second build. Needs Workers CI Edit.
func (c *Client) CreateBuild(ctx context.Context, triggerUUID string, r BuildRequest) (CreatedBuild, error) {
	if r.Branch == "" && r.CommitHash == "" {
		return CreatedBuild{}, fmt.Errorf("start a build: name a branch or a commit")
	}
	var res struct {
		UUID      flexString `json:"build_uuid"`
		CreatedOn flexTime   `json:"created_on"`
	}
	if _, err := c.doBody(ctx, http.MethodPost, c.accountPath()+"/builds/triggers/"+url.PathEscape(triggerUUID)+"/builds", r, &res); err != nil {
		return CreatedBuild{}, fmt.Errorf("start a build: %w", err)
	}
	return CreatedBuild{UUID: string(res.UUID), CreatedOn: res.CreatedOn.value()}, nil
}

// PurgeBuildCache empties a trigger's build cache. Needs Workers CI Edit.
func (c *Client) PurgeBuildCache(ctx context.Context, triggerUUID string) error {
	if _, err := c.doBody(ctx, http.MethodPost, c.accountPath()+"/builds/triggers/"+url.PathEscape(triggerUUID)+"/purge_build_cache", nil, nil); err != nil {
		return fmt.Errorf("purge the build cache: %w", err)
	}
	return nil
}

// BuildTokens lists the account's build tokens.
func (c *Client) BuildTokens(ctx context.Context) ([]model.BuildToken, error) {
	var res []struct {
		UUID              flexString `json:"build_token_uuid"`
		Name              flexString `json:"build_token_name"`
		CloudflareTokenID flexString `json:"cloudflare_token_id"`
		OwnerType         flexString `json:"owner_type"`
	}
	if _, err := c.do(ctx, http.MethodGet, c.accountPath()+"/builds/tokens", nil, &res); err != nil {
		return nil, fmt.Errorf("list build tokens: %w", err)
	}
	out := make([]model.BuildToken, 0, len(res))
	for _, t := range res {
		out = append(out, model.BuildToken{UUID: string(t.UUID), Name: string(t.Name),
			CloudflareTokenID: string(t.CloudflareTokenID), OwnerType: string(t.OwnerType)})
	}
	return out, nil
}

// AccountLimits reads the account's build-minutes state.
func (c *Client) AccountLimits(ctx context.Context) (model.AccountLimits, error) {
	var res struct {
		RefreshOn flexTime `json:"build_minutes_refresh_on"`
		Reached   flexBool `json:"has_reached_build_minutes_limit"`
	}
	if _, err := c.do(ctx, http.MethodGet, c.accountPath()+"/builds/account/limits", nil, &res); err != nil {
		return model.AccountLimits{}, fmt.Errorf("read the account's build limits: %w", err)
	}
	return model.AccountLimits{BuildMinutesRefreshOn: res.RefreshOn.t, ReachedBuildMinutes: bool(res.Reached)}, nil
}

// TokenStatus is what /user/tokens/verify says of the token in use.
type TokenStatus struct {
	ID        string
	Status    string     // "active", or as sent
	ExpiresOn *time.Time // when it expires (nil: never, or not said)
}

// VerifyToken asks Cloudflare whether a user API token is valid and
// active. An Account API token is refused here (401): VerifyAccountToken.
func (c *Client) VerifyToken(ctx context.Context) (TokenStatus, error) {
	return c.verify(ctx, "/user/tokens/verify")
}

// VerifyAccountToken asks whether an Account API token is valid and active
// (/accounts/{id}/tokens/verify, the same answer's shape).
func (c *Client) VerifyAccountToken(ctx context.Context) (TokenStatus, error) {
	return c.verify(ctx, c.accountPath()+"/tokens/verify")
}

func (c *Client) verify(ctx context.Context, path string) (TokenStatus, error) {
	var res struct {
		ID        flexString `json:"id"`
		Status    flexString `json:"status"`
		ExpiresOn flexTime   `json:"expires_on"`
	}
	if _, err := c.do(ctx, http.MethodGet, path, nil, &res); err != nil {
		return TokenStatus{}, fmt.Errorf("verify the API token: %w", err)
	}
	return TokenStatus{ID: string(res.ID), Status: string(res.Status), ExpiresOn: res.ExpiresOn.t}, nil
}

// StartBuild starts a build of a trigger for a branch and (or) a commit,
// emptying the trigger's build cache first when purge is set, and returns
// the new build's uuid. In model terms, for the dashboard.
func (c *Client) StartBuild(ctx context.Context, triggerUUID, branch, commit string, purge bool) (string, error) {
	if purge {
		if err := c.PurgeBuildCache(ctx, triggerUUID); err != nil {
			return "", err
		}
	}
	b, err := c.CreateBuild(ctx, triggerUUID, BuildRequest{Branch: branch, CommitHash: commit})
	return b.UUID, err
}
