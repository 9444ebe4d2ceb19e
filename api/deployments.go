package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/cfbuilds/cfbuilds/model"
)

// Deployments lists a Worker's deployments, newest first: the first serves
// traffic now. It takes the Worker's name (this endpoint is not the Builds
// API, which takes tags) and needs Workers Scripts Read.
func (c *Client) Deployments(ctx context.Context, workerName string) ([]model.Deployment, error) {
	var res struct {
		Deployments []wireDeployment `json:"deployments"`
	}
	if _, err := c.do(ctx, http.MethodGet, c.accountPath()+"/workers/scripts/"+url.PathEscape(workerName)+"/deployments", nil, &res); err != nil {
		return nil, fmt.Errorf("list deployments of Worker %s: %w", workerName, err)
	}
	out := make([]model.Deployment, 0, len(res.Deployments))
	for _, d := range res.Deployments {
		out = append(out, d.model())
	}
	// The first is documented to be the live one; keep that order but make
	// sure of it by time, stable for equal times.
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedOn.After(out[j].CreatedOn) })
	return out, nil
}
