package model

import (
	"fmt"
	"time"
)

// VersionSplit is one Worker version in a deployment and its share of traffic.
type VersionSplit struct {
	VersionID  string
	Percentage float64
}

// Deployment is what serves a Worker's traffic: one version at 100%, or two
// during a gradual rollout. Message, TriggeredBy and Author are untrusted.
type Deployment struct {
	ID          string
	CreatedOn   time.Time
	Source      string // e.g. wrangler, dash, api
	Strategy    string
	Versions    []VersionSplit
	Message     string
	TriggeredBy string
	Author      string
}

// Liveness is where a build's version stands in its Worker's deployments.
type Liveness struct {
	// Percentage of traffic the build serves now (0: not serving).
	Percentage float64
	// Since is when the deployment serving it was made.
	Since time.Time
	// SupersededAt and SupersededBy say what replaced it, once it stopped
	// serving: a build uuid when the new version came from a build, else
	// the version id.
	SupersededAt time.Time
	SupersededBy string
	// Deployed reports whether the build's version was ever deployed.
	Deployed bool
}

// Live reports whether the build serves traffic now.
func (l Liveness) Live() bool { return l.Percentage > 0 }

// Gradual reports a share below 100%.
func (l Liveness) Gradual() bool { return l.Percentage > 0 && l.Percentage < 100 }

// Describe is the detail pane's sentence.
func (l Liveness) Describe(at func(time.Time) string, name func(string) string) string {
	switch {
	case l.Gradual():
		return fmt.Sprintf("serving %s%% (gradual) since %s", pct(l.Percentage), at(l.Since))
	case l.Live():
		return "serving 100% since " + at(l.Since)
	case l.Deployed && l.SupersededBy != "":
		return fmt.Sprintf("superseded by %s at %s", name(l.SupersededBy), at(l.SupersededAt))
	case l.Deployed:
		return "no longer serving"
	}
	return "never deployed"
}

// FormatPercent is a share without needless decimals: "100", "12.5".
func FormatPercent(p float64) string { return pct(p) }

func pct(p float64) string {
	if p == float64(int(p)) {
		return fmt.Sprintf("%d", int(p))
	}
	return fmt.Sprintf("%.1f", p)
}

// PercentText is "100%" or "10%".
func (l Liveness) PercentText() string { return pct(l.Percentage) + "%" }

// LivenessOf works out a build's liveness from its Worker's deployments
// (newest first) and the map from version id to the build that made it.
// buildOf returns "" for a version made outside Builds.
func LivenessOf(buildUUID string, deployments []Deployment, buildOf func(versionID string) string) Liveness {
	var l Liveness
	// Walk from oldest to newest: the last deployment holding the build's
	// version decides; the one after it superseded it.
	lastWith := -1
	for i := len(deployments) - 1; i >= 0; i-- {
		for _, v := range deployments[i].Versions {
			if v.Percentage > 0 && buildOf(v.VersionID) == buildUUID {
				if !l.Deployed {
					l.Since = deployments[i].CreatedOn
				}
				l.Deployed = true
				lastWith = i
			}
		}
	}
	if !l.Deployed {
		return l
	}
	if lastWith == 0 {
		// Serving now: since the oldest of the unbroken run of deployments
		// that gave it the same share.
		l.Percentage = shareOf(deployments[0], buildUUID, buildOf)
		l.Since = deployments[0].CreatedOn
		for i := 1; i < len(deployments) && shareOf(deployments[i], buildUUID, buildOf) == l.Percentage; i++ {
			l.Since = deployments[i].CreatedOn
		}
		return l
	}
	next := deployments[lastWith-1]
	l.SupersededAt = next.CreatedOn
	for _, v := range next.Versions {
		if v.Percentage > 0 {
			if b := buildOf(v.VersionID); b != "" {
				l.SupersededBy = b
			} else {
				l.SupersededBy = v.VersionID
			}
			if v.Percentage >= 50 {
				break
			}
		}
	}
	return l
}

// shareOf is the traffic a deployment gives the versions a build made.
func shareOf(d Deployment, buildUUID string, buildOf func(string) string) float64 {
	total := 0.0
	for _, v := range d.Versions {
		if buildOf(v.VersionID) == buildUUID {
			total += v.Percentage
		}
	}
	return total
}
