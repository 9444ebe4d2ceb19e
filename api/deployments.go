package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"sync"

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
	// Err says the Worker's deployments could not be read; Gone reports
	// that it is because the Worker was deleted since it was listed.
	Err error
}

// Gone reports a Worker deleted between listing and reading (404, code 10007).
func (l Live) Gone() bool { return errors.Is(l.Err, ErrNotFound) }

// Current is the deployment serving traffic, if any.
func (l Live) Current() (model.Deployment, bool) {
	if len(l.Deployments) == 0 {
		return model.Deployment{}, false
	}
	return l.Deployments[0], true
}

// BuildOf returns the uuid of the build that made a version, or "".
func (l Live) BuildOf(versionID string) string { return l.Builds[versionID].UUID }

// liveBatch is how many Workers LiveEach reads before it hands them on:
// one builds-by-version call answers for them.
const liveBatch = 20

// LiveOf is LiveEach collected: every Worker's Live, in order.
func (c *Client) LiveOf(ctx context.Context, workers []model.Worker) ([]Live, error) {
	out := make([]Live, 0, len(workers))
	err := c.LiveEach(ctx, workers, func(ls []Live) error { out = append(out, ls...); return nil })
	return out, err
}

// LiveEach reads the Workers' deployments, 20 Workers at a time (a few at
// once), asks which build made every version they name, and hands each
// batch to fn in order, so a long read shows what it has as it goes. One
// Worker that cannot be read (deleted since it was listed: 404, code
// 10007; or failing) is marked with its error and the others are read on;
// refused credentials and an ended context end the whole read.
func (c *Client) LiveEach(ctx context.Context, workers []model.Worker, fn func([]Live) error) error {
	for from := 0; from < len(workers); from += liveBatch {
		batch := workers[from:min(from+liveBatch, len(workers))]
		out := make([]Live, len(batch))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for i, w := range batch {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				ds, err := c.Deployments(ctx, w.Name)
				out[i] = Live{Worker: w, Deployments: ds, Err: err, Builds: map[string]model.Build{}}
			})
		}
		wg.Wait()
		for _, l := range out {
			if l.Err != nil && (Refused(l.Err) || ctx.Err() != nil) {
				return l.Err
			}
		}
		if err := c.buildsBehind(ctx, out); err != nil {
			return err
		}
		if err := fn(out); err != nil {
			return err
		}
	}
	return nil
}

// buildsBehind fills each Live's Builds: which build made each version.
func (c *Client) buildsBehind(ctx context.Context, out []Live) error {
	var ids []string
	seen := map[string]bool{}
	for _, l := range out {
		for _, d := range l.Deployments {
			for _, v := range d.Versions {
				if !seen[v.VersionID] && v.VersionID != "" {
					seen[v.VersionID] = true
					ids = append(ids, v.VersionID)
				}
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	builds, err := c.BuildsByVersion(ctx, ids)
	if err != nil {
		return err
	}
	for i := range out {
		for _, d := range out[i].Deployments {
			for _, v := range d.Versions {
				if b, ok := builds[v.VersionID]; ok {
					b.WorkerName, b.WorkerTag = out[i].Worker.Name, out[i].Worker.Tag
					out[i].Builds[v.VersionID] = b
				}
			}
		}
	}
	return nil
}
