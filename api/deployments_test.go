package api

import (
	"context"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
)

func liveOf(t *testing.T, c *Client, name string) Live {
	t.Helper()
	ws, err := c.Workers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.Name == name {
			ls, err := c.LiveOf(context.Background(), []model.Worker{w})
			if err != nil {
				t.Fatal(err)
			}
			return ls[0]
		}
	}
	t.Fatalf("no Worker %s", name)
	return Live{}
}

func TestWhichBuildIsLive(t *testing.T) {
	t.Parallel()
	c, s, clock := simClient(t, sim.Options{Workers: 4, PushEvery: -1, History: 3, Seed: 11, Undeployed: []string{"marketing-site"}})
	ctx := context.Background()
	old := s.Inject(sim.Spec{Worker: "api-gateway", Lines: []string{"a"}, LineEvery: time.Second, QueueFor: time.Second})
	clock.Advance(time.Minute)
	newer := s.Inject(sim.Spec{Worker: "api-gateway", Lines: []string{"b"}, LineEvery: time.Second, QueueFor: time.Second})
	clock.Advance(time.Minute)

	// A normal deploy: the newest successful build serves 100%.
	l := liveOf(t, c, "api-gateway")
	cur, ok := l.Current()
	if !ok || len(cur.Versions) != 1 || l.BuildOf(cur.Versions[0].VersionID) != newer {
		t.Fatalf("normal deploy: %+v", cur)
	}
	if lv := model.LivenessOf(newer, l.Deployments, l.BuildOf); lv.Percentage != 100 {
		t.Fatalf("liveness %+v", lv)
	}
	if lv := model.LivenessOf(old, l.Deployments, l.BuildOf); lv.Live() || lv.SupersededBy != newer {
		t.Fatalf("old build: %+v", lv)
	}

	// A gradual rollout: 10% of a new build, 90% of the old.
	third := s.Inject(sim.Spec{Worker: "api-gateway", Lines: []string{"c"}, LineEvery: time.Second, QueueFor: time.Second})
	clock.Advance(time.Minute)
	s.Deploy(sim.DeploySpec{Worker: "api-gateway", Versions: []sim.DeployVersion{{BuildUUID: third, Percentage: 10}, {BuildUUID: newer, Percentage: 90}}, Source: "wrangler", TriggeredBy: "deployment"})
	clock.Advance(time.Second)
	l = liveOf(t, c, "api-gateway")
	if lv := model.LivenessOf(third, l.Deployments, l.BuildOf); !lv.Gradual() || lv.Percentage != 10 {
		t.Fatalf("gradual: %+v", lv)
	}
	if lv := model.LivenessOf(newer, l.Deployments, l.BuildOf); lv.Percentage != 90 {
		t.Fatalf("gradual, the old version: %+v", lv)
	}

	// A rollback to the old build's version.
	s.Deploy(sim.DeploySpec{Worker: "api-gateway", Versions: []sim.DeployVersion{{BuildUUID: old, Percentage: 100}}, Source: "dash", TriggeredBy: "rollback"})
	clock.Advance(time.Second)
	l = liveOf(t, c, "api-gateway")
	if lv := model.LivenessOf(old, l.Deployments, l.BuildOf); lv.Percentage != 100 {
		t.Fatalf("rollback: %+v", lv)
	}
	if lv := model.LivenessOf(third, l.Deployments, l.BuildOf); lv.Live() || lv.SupersededBy != old {
		t.Fatalf("superseded by the rollback: %+v", lv)
	}

	// A deployment from outside Builds (wrangler on a laptop).
	ids := s.Deploy(sim.DeploySpec{Worker: "api-gateway", Versions: []sim.DeployVersion{{Percentage: 100}}, Source: "wrangler", Message: "hotfix", Author: "linus@acme.dev", TriggeredBy: "upload"})
	clock.Advance(time.Second)
	l = liveOf(t, c, "api-gateway")
	cur, _ = l.Current()
	if l.BuildOf(cur.Versions[0].VersionID) != "" || cur.Versions[0].VersionID != ids[0] || cur.Message != "hotfix" || cur.Author != "linus@acme.dev" {
		t.Fatalf("outside Builds: %+v", cur)
	}
	if lv := model.LivenessOf(old, l.Deployments, l.BuildOf); lv.SupersededBy != ids[0] {
		t.Fatalf("superseded by a laptop version: %+v", lv)
	}

	// A Worker never deployed.
	if l := liveOf(t, c, "marketing-site"); len(l.Deployments) != 0 {
		t.Fatalf("never deployed: %+v", l.Deployments)
	}
	if _, err := c.Deployments(ctx, "no-such-worker"); err == nil {
		t.Fatal("unknown Worker: no error")
	}
}

func TestLiveBatchesVersions(t *testing.T) {
	t.Parallel()
	c, s, clock := simClient(t, sim.Options{Workers: 25, PushEvery: -1, History: 3, Seed: 12})
	clock.Advance(time.Minute)
	ws, err := c.Workers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ls, err := c.LiveOf(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	versions, resolved := 0, 0
	for _, l := range ls {
		for _, d := range l.Deployments {
			for _, v := range d.Versions {
				versions++
				if l.BuildOf(v.VersionID) != "" {
					resolved++
				}
			}
		}
	}
	if versions <= 20 || resolved == 0 {
		t.Fatalf("%d versions, %d from builds: the test needs more than 20", versions, resolved)
	}
	if n := s.Requests()["versions"]; n < 2 {
		t.Fatalf("%d versions asked in %d calls: not batched by 20", versions, n)
	}
}
