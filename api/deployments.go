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

// Live is a Worker's deployments and the builds behind their versions.
type Live struct {
	Worker model.Worker
	// Deployments, newest first; the first serves traffic. Empty: never deployed.
	Deployments []model.Deployment
	// Builds maps a version id to the build that made it; a version made
	// outside Builds has no entry.
	Builds map[string]model.Build
}

// Current is the deployment serving traffic, if any.
func (l Live) Current() (model.Deployment, bool) {
	if len(l.Deployments) == 0 {
		return model.Deployment{}, false
	}
	return l.Deployments[0], true
}

// BuildOf returns the uuid of the build that made a version, or "".
func (l Live) BuildOf(versionID string) string { return l.Builds[versionID].UUID }

// LiveOf reads each Worker's deployments and asks, in batches of 20, which
// build made every version they name.
func (c *Client) LiveOf(ctx context.Context, workers []model.Worker) ([]Live, error) {
	out := make([]Live, 0, len(workers))
	var ids []string
	seen := map[string]bool{}
	for _, w := range workers {
		ds, err := c.Deployments(ctx, w.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, Live{Worker: w, Deployments: ds})
		for _, d := range ds {
			for _, v := range d.Versions {
				if !seen[v.VersionID] && v.VersionID != "" {
					seen[v.VersionID] = true
					ids = append(ids, v.VersionID)
				}
			}
		}
	}
	builds, err := c.BuildsByVersion(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Builds = map[string]model.Build{}
		for _, d := range out[i].Deployments {
			for _, v := range d.Versions {
				if b, ok := builds[v.VersionID]; ok {
					b.WorkerName, b.WorkerTag = out[i].Worker.Name, out[i].Worker.Tag
					out[i].Builds[v.VersionID] = b
				}
			}
		}
	}
	return out, nil
}
