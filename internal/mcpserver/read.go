package mcpserver

// The read tools: always offered.

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cfbuilds/cfbuilds/model"
)

// Caps on what a tool returns: an agent's context is small.
const (
	defaultLogLines = 200
	maxLogLines     = 2000
	maxLineBytes    = 500
	maxMessageBytes = 300
)

// Build is a build as the tools return it: every string sanitized and capped.
type Build struct {
	UUID            string `json:"build_uuid"`
	Worker          string `json:"worker"`
	Branch          string `json:"branch"`
	Commit          string `json:"commit"`
	Message         string `json:"message"`
	State           string `json:"state" jsonschema:"queued, initializing, running, succeeded, failed, cancelled, terminated or skipped"`
	Created         string `json:"created"`
	DurationSeconds int64  `json:"duration_seconds" jsonschema:"whole seconds, queue included; still counting while it runs"`
}

func clip(s string, n int) string {
	s = model.SanitizeInline(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func buildOf(b model.Build, names map[string]string, now time.Time) Build {
	name := b.WorkerName
	if name == "" {
		name = names[b.WorkerTag]
	}
	return Build{UUID: clip(b.UUID, 64), Worker: clip(name, 100), Branch: clip(b.Meta.Branch, 200), Commit: clip(b.Meta.CommitHash, 64),
		Message: clip(b.CommitTitle(), maxMessageBytes), State: string(b.State()), Created: b.CreatedOn.UTC().Format(time.RFC3339),
		DurationSeconds: int64(b.Duration(now).Round(time.Second) / time.Second)}
}

// workerNames maps tags to names.
func (s *Server) workerNames(ctx context.Context) ([]model.Worker, map[string]string, error) {
	ws, err := s.o.Source.Workers(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, w := range ws {
		names[w.Tag] = w.Name
	}
	return ws, names, nil
}

type listWorkersIn struct {
	NameContains string `json:"name_contains,omitempty" jsonschema:"only Workers whose name contains this (case-insensitive)"`
	Limit        int    `json:"limit,omitempty" jsonschema:"at most this many Workers (default 100)"`
}

type workerOut struct {
	Name   string `json:"name"`
	Tag    string `json:"tag"`
	Latest *Build `json:"latest,omitempty" jsonschema:"its latest build; absent when Workers Builds never built it"`
}

type listWorkersOut struct {
	Workers []workerOut `json:"workers"`
	Total   int         `json:"total" jsonschema:"how many Workers matched, listed or not"`
	Note    string      `json:"note,omitempty" jsonschema:"what was left out and how to ask for it"`
}

type listBuildsIn struct {
	Worker string `json:"worker,omitempty" jsonschema:"only this Worker's builds (its name)"`
	Status string `json:"status,omitempty" jsonschema:"only builds in this state: queued, running, succeeded, failed, cancelled, terminated, skipped, active or stopped"`
	Branch string `json:"branch,omitempty" jsonschema:"only builds of this branch"`
	Limit  int    `json:"limit,omitempty" jsonschema:"at most this many builds (default 20, at most 200)"`
}

type listBuildsOut struct {
	Builds []Build `json:"builds"`
	// Note says why fewer builds than the limit came back with a filter.
	Note string `json:"note,omitempty"`
}

type buildIn struct {
	BuildUUID string `json:"build_uuid" jsonschema:"the build's uuid, as list_builds gives it"`
}

type getBuildOut struct {
	Build
	Phases       []string `json:"phases,omitempty" jsonschema:"the phases seen in the log, in order"`
	FailedPhase  string   `json:"failed_phase,omitempty"`
	FirstError   string   `json:"first_error,omitempty" jsonschema:"the first error line of a failed build's log"`
	Hint         string   `json:"hint,omitempty" jsonschema:"what a known cause of the failure means and how to fix it"`
	UsualSeconds int64    `json:"usual_seconds,omitempty" jsonschema:"the median duration in whole seconds of this Worker and branch's recent successful builds"`
	Author       string   `json:"author,omitempty"`
	Trigger      string   `json:"trigger,omitempty" jsonschema:"the trigger's name, and what started the build (push, pull_request, manual, api)"`
	BuildCommand string   `json:"build_command,omitempty"`
	DeployCmd    string   `json:"deploy_command,omitempty"`
	RootDir      string   `json:"root_directory,omitempty"`
	Live         bool     `json:"live" jsonschema:"whether a version this build made serves traffic now"`
	LivePercent  float64  `json:"live_percent,omitempty"`
	PreviewURL   string   `json:"preview_url,omitempty" jsonschema:"where a non-production build can be seen, when Cloudflare says"`
}

type logIn struct {
	BuildUUID  string `json:"build_uuid"`
	FailedOnly bool   `json:"failed_only,omitempty" jsonschema:"only the failed phase and the lines around the first error"`
	TailLines  int    `json:"tail_lines,omitempty" jsonschema:"only the last N lines"`
	Head       int    `json:"head,omitempty" jsonschema:"only the first N lines (from offset)"`
	Offset     int    `json:"offset,omitempty" jsonschema:"skip this many lines from the start (with head, or to read on from a first_line)"`
	Grep       string `json:"grep,omitempty" jsonschema:"only lines that contain this text (case-insensitive)"`
	MaxLines   int    `json:"max_lines,omitempty" jsonschema:"at most this many lines (default 200, at most 2000)"`
}

type logOut struct {
	Lines      []string `json:"lines"`
	TotalLines int      `json:"total_lines"`
	FirstLine  int      `json:"first_line" jsonschema:"the number (from 1) of the first line returned"`
	Note       string   `json:"note,omitempty" jsonschema:"what was left out and how to ask for more"`
}

func (s *Server) listWorkers(ctx context.Context, _ *mcp.CallToolRequest, in listWorkersIn) (*mcp.CallToolResult, listWorkersOut, error) {
	ws, names, err := s.workerNames(ctx)
	if err != nil {
		return nil, listWorkersOut{}, err
	}
	if in.NameContains != "" {
		q := strings.ToLower(in.NameContains)
		ws = slices.DeleteFunc(slices.Clone(ws), func(w model.Worker) bool { return !strings.Contains(strings.ToLower(w.Name), q) })
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 100
	}
	out := listWorkersOut{Workers: []workerOut{}, Total: len(ws)}
	if len(ws) > limit {
		out.Note = fmt.Sprintf("%d of %d Workers listed; ask with name_contains or a larger limit for the others", limit, len(ws))
		ws = ws[:limit]
	}
	// Only the listed Workers' latest builds: a call per 20 of them.
	latest, err := s.o.Source.LatestBuilds(ctx, tagsOf(ws))
	if err != nil {
		return nil, listWorkersOut{}, err
	}
	now := time.Now()
	for _, w := range ws {
		wo := workerOut{Name: clip(w.Name, 100), Tag: w.Tag}
		if b, ok := latest[w.Tag]; ok {
			bo := buildOf(b, names, now)
			wo.Latest = &bo
		}
		out.Workers = append(out.Workers, wo)
	}
	return nil, out, nil
}

func tagsOf(ws []model.Worker) []string {
	tags := make([]string, len(ws))
	for i, w := range ws {
		tags[i] = w.Tag
	}
	return tags
}

func (s *Server) listBuilds(ctx context.Context, _ *mcp.CallToolRequest, in listBuildsIn) (*mcp.CallToolResult, listBuildsOut, error) {
	limit := in.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 200)
	ws, names, err := s.workerNames(ctx)
	if err != nil {
		return nil, listBuildsOut{}, err
	}
	if in.Worker != "" {
		i := slices.IndexFunc(ws, func(w model.Worker) bool { return w.Name == in.Worker })
		if i < 0 {
			return nil, listBuildsOut{}, fmt.Errorf("no Worker named %q (list_workers gives their names)", model.SanitizeInline(in.Worker))
		}
		ws = ws[i : i+1]
	}
	latest, err := s.o.Source.LatestBuilds(ctx, tagsOf(ws))
	if err != nil {
		return nil, listBuildsOut{}, err
	}
	// The histories of the Workers whose latest builds are newest: no
	// other Worker can hold a newer build.
	sort.SliceStable(ws, func(i, j int) bool { return latest[ws[i].Tag].CreatedOn.After(latest[ws[j].Tag].CreatedOn) })
	seen := map[string]bool{}
	var all []model.Build
	// With a filter, histories are read until the limit is met (newest
	// Workers first, at most maxFilterReads of them); without one, the ten
	// newest Workers' hold the newest builds.
	filtering := in.Status != "" || in.Branch != ""
	reads, readable := 0, min(limit, 10)
	if filtering {
		readable = min(len(ws), maxFilterReads)
	}
	for i, w := range ws {
		if _, ok := latest[w.Tag]; !ok {
			continue
		}
		bs := []model.Build{latest[w.Tag]}
		if reads < readable && (i < min(limit, 10) || filtering && len(all) < limit) {
			reads++
			if h, err := s.o.Source.WorkerHistory(ctx, w, limit); err == nil {
				bs = append(bs, h...)
			}
		}
		for _, b := range bs {
			if !seen[b.UUID] && matches(b, in) {
				seen[b.UUID] = true
				b.WorkerName = w.Name
				all = append(all, b)
			}
		}
	}
	model.SortNewestFirst(all)
	out := listBuildsOut{Builds: []Build{}}
	now := time.Now()
	for _, b := range all[:min(len(all), limit)] {
		out.Builds = append(out.Builds, buildOf(b, names, now))
	}
	if filtering && len(all) < limit {
		out.Note = fmt.Sprintf("%d of the %d asked: only these match among the last %d builds of the %d Workers read (of %d); name a worker to look further back",
			len(all), limit, limit, reads, len(ws))
	}
	return nil, out, nil
}

// maxFilterReads bounds the histories a filtered list_builds reads.
const maxFilterReads = 50

func matches(b model.Build, in listBuildsIn) bool {
	if in.Branch != "" && b.Meta.Branch != in.Branch {
		return false
	}
	switch in.Status {
	case "":
		return true
	case "active":
		return b.Active()
	case "stopped":
		return b.Finished()
	}
	return string(b.State()) == in.Status || string(b.Status) == in.Status
}

// plainLog is a build's whole log as sanitized plain lines.
func (s *Server) plainLog(ctx context.Context, uuid string) ([]string, error) {
	lines, err := s.o.Source.ReadLog(ctx, uuid)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = clip(model.Sanitize(l.Text).Plain(), maxLineBytes)
	}
	return out, nil
}

func (s *Server) getBuild(ctx context.Context, _ *mcp.CallToolRequest, in buildIn) (*mcp.CallToolResult, getBuildOut, error) {
	if err := checkUUID(in.BuildUUID); err != nil {
		return nil, getBuildOut{}, err
	}
	b, err := s.o.Source.Build(ctx, in.BuildUUID)
	if err != nil {
		return nil, getBuildOut{}, err
	}
	_, names, _ := s.workerNames(ctx)
	name := names[b.WorkerTag]
	out := getBuildOut{Build: buildOf(b, names, time.Now()), Author: clip(b.Meta.Author, 200),
		Trigger:      clip(strings.TrimSpace(b.Trigger.TriggerName+" ("+b.Meta.Source+")"), 200),
		BuildCommand: clip(orWord(b.Meta.BuildCommand, b.Trigger.BuildCommand), maxLineBytes),
		DeployCmd:    clip(orWord(b.Meta.DeployCommand, b.Trigger.DeployCommand), maxLineBytes),
		RootDir:      clip(orWord(b.Meta.RootDirectory, b.Trigger.RootDirectory), 200),
		PreviewURL:   clip(model.SanitizeInline(b.PreviewURL), 2000)}
	if b.Finished() || b.Active() {
		if lines, err := s.plainLog(ctx, b.UUID); err == nil {
			var tr model.PhaseTracker
			for _, l := range lines {
				tr.Add(time.Time{}, []byte(l))
			}
			for _, m := range tr.Marks {
				out.Phases = append(out.Phases, m.Name)
			}
			if b.Finished() && !b.Outcome.OK() {
				f := model.FailureOf(func(i int) string { return lines[i] }, len(lines))
				out.FailedPhase, out.FirstError, out.Hint = f.Phase, clip(f.Text, maxLineBytes), f.Hint
			}
		}
	}
	w := model.Worker{Name: name, Tag: b.WorkerTag}
	if hist, err := s.o.Source.WorkerHistory(ctx, w, 30); err == nil {
		var ds []time.Duration
		for _, h := range hist {
			if h.Outcome == model.OutcomeSuccess && h.Meta.Branch == b.Meta.Branch {
				ds = append(ds, h.Duration(time.Now()))
			}
		}
		if len(ds) >= 3 {
			slices.Sort(ds)
			out.UsualSeconds = int64(ds[len(ds)/2].Round(time.Second) / time.Second)
		}
	}
	out.Live, out.LivePercent = s.liveShare(ctx, name, b.UUID)
	return nil, out, nil
}

// liveShare is whether a version the build made serves traffic, and how much.
func (s *Server) liveShare(ctx context.Context, worker, uuid string) (bool, float64) {
	deps, err := s.o.Source.Deployments(ctx, worker)
	if err != nil || len(deps) == 0 {
		return false, 0
	}
	var ids []string
	pct := map[string]float64{}
	for _, v := range deps[0].Versions {
		ids = append(ids, v.VersionID)
		pct[v.VersionID] = v.Percentage
	}
	byVersion, err := s.o.Source.BuildsByVersion(ctx, ids)
	if err != nil {
		return false, 0
	}
	total := 0.0
	for id, b := range byVersion {
		if b.UUID == uuid {
			total += pct[id]
		}
	}
	return total > 0, total
}

func (s *Server) getBuildLog(ctx context.Context, _ *mcp.CallToolRequest, in logIn) (*mcp.CallToolResult, logOut, error) {
	if err := checkUUID(in.BuildUUID); err != nil {
		return nil, logOut{}, err
	}
	lines, err := s.plainLog(ctx, in.BuildUUID)
	if err != nil {
		return nil, logOut{}, err
	}
	out := logOut{TotalLines: len(lines), Lines: []string{}}
	var notes []string
	from, to := min(max(in.Offset, 0), len(lines)), len(lines)
	if in.FailedOnly {
		f := model.FailureOf(func(i int) string { return lines[i] }, len(lines))
		if f.Line < 0 {
			out.Note = "no error line found in this log; ask without failed_only"
			return nil, out, nil
		}
		from, to = max(f.Line-15, 0), min(f.Line+15, len(lines))
		notes = append(notes, fmt.Sprintf("the lines around the first error (line %d), in the %s phase; ask with tail_lines or max_lines for more", f.Line+1, orWord(f.Phase, "unknown")))
	}
	picked := pickLines(lines, from, to, in.Grep)
	if in.Grep != "" && len(picked) == 0 {
		notes = append(notes, fmt.Sprintf("no line contains %q", clip(in.Grep, 100)))
	}
	what := "lines"
	if in.Grep != "" {
		what = "matching lines"
	}
	maxN := in.MaxLines
	if maxN <= 0 {
		maxN = defaultLogLines
	}
	maxN = min(maxN, maxLogLines)
	switch {
	case in.Head > 0 && len(picked) > min(in.Head, maxN):
		n := min(in.Head, maxN)
		notes = append(notes, fmt.Sprintf("the first %d of %d %s from line %d; ask with offset %d for the next", n, len(picked), what, picked[0]+1, picked[n-1]+1))
		picked = picked[:n]
	case in.TailLines > 0 && len(picked) > in.TailLines && in.TailLines <= maxN:
		picked = picked[len(picked)-in.TailLines:]
	case len(picked) > maxN:
		left := len(picked) - maxN
		picked = picked[len(picked)-maxN:] // the end of a log says most
		notes = append(notes, fmt.Sprintf("%d earlier %s left out; ask with max_lines (up to %d), head and offset, grep or failed_only", left, what, maxLogLines))
	}
	for _, i := range picked {
		out.Lines = append(out.Lines, lines[i])
	}
	if len(picked) > 0 {
		out.FirstLine = picked[0] + 1
	}
	out.Note = strings.Join(notes, "; ")
	return nil, out, nil
}

// pickLines is the numbers of the lines in [from, to) that contain grep
// (case-insensitive; every line when grep is empty).
func pickLines(lines []string, from, to int, grep string) []int {
	q := strings.ToLower(grep)
	var picked []int
	for i := from; i < to; i++ {
		if q == "" || strings.Contains(strings.ToLower(lines[i]), q) {
			picked = append(picked, i)
		}
	}
	return picked
}

func orWord(s, w string) string {
	if s == "" {
		return w
	}
	return s
}
