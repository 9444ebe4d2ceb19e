package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cfbuilds/cfbuilds/model"
)

// batchSize is how many tags or version ids one call may carry.
const batchSize = 20

func (c *Client) accountPath() string { return "/accounts/" + url.PathEscape(c.account) }

// Workers lists the account's Workers (name and tag).
func (c *Client) Workers(ctx context.Context) ([]model.Worker, error) {
	var scripts []wireScript
	if _, err := c.do(ctx, http.MethodGet, c.accountPath()+"/workers/scripts", nil, &scripts); err != nil {
		return nil, fmt.Errorf("list Workers: %w", err)
	}
	out := make([]model.Worker, 0, len(scripts))
	for _, s := range scripts {
		if s.Tag == "" {
			continue
		}
		out = append(out, model.Worker{Name: string(s.ID), Tag: string(s.Tag)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// LatestBuilds returns the latest build of each Worker tag that has one. More
// than 20 tags become several calls.
func (c *Client) LatestBuilds(ctx context.Context, tags []string) (map[string]model.Build, error) {
	return c.buildMap(ctx, "/builds/builds/latest", "external_script_ids", tags, true)
}

// BuildsByVersion returns the build that produced each Worker version id; a
// version made outside Builds has no entry. More than 20 ids become several calls.
func (c *Client) BuildsByVersion(ctx context.Context, versionIDs []string) (map[string]model.Build, error) {
	return c.buildMap(ctx, "/builds/builds", "version_ids", versionIDs, false)
}

func (c *Client) buildMap(ctx context.Context, path, param string, keys []string, keysAreTags bool) (map[string]model.Build, error) {
	out := make(map[string]model.Build, len(keys))
	for start := 0; start < len(keys); start += batchSize {
		batch := keys[start:min(start+batchSize, len(keys))]
		var res struct {
			Builds map[string]wireBuild `json:"builds"`
		}
		q := url.Values{param: {strings.Join(batch, ",")}}
		if _, err := c.do(ctx, http.MethodGet, c.accountPath()+path, q, &res); err != nil {
			return nil, fmt.Errorf("get builds by %s: %w", param, err)
		}
		for k, wb := range res.Builds {
			if wb.skip {
				continue
			}
			b := wb.model()
			if keysAreTags && b.WorkerTag == "" {
				b.WorkerTag = k
			}
			out[k] = b
		}
	}
	return out, nil
}

// HistoryPage is one page of a Worker's build history, newest first.
type HistoryPage struct {
	Builds []model.Build
	Info   ResultInfo
}

// More reports whether another page follows (see ResultInfo.More).
func (p HistoryPage) More() bool { return p.Info.More() }

// maxHistoryPages bounds a history read (2,000 builds at 200 a page), so a
// server that always says "next_page: true" cannot loop it.
const maxHistoryPages = 10

// WorkerHistory returns the newest limit of a Worker's builds, newest first.
// The API documents no order for a history, so the newest builds may be on
// any page: it reads every page, 200 builds a call, following next_page.
func (c *Client) WorkerHistory(ctx context.Context, w model.Worker, limit int) ([]model.Build, error) {
	const perPage = 200
	var all []model.Build
	seen := map[string]bool{}
	for page := 1; page <= maxHistoryPages; page++ {
		p, err := c.WorkerBuilds(ctx, w.Tag, page, perPage)
		if err != nil {
			return all, fmt.Errorf("list builds of Worker %s: %w", workerLabel(w), err)
		}
		added := 0
		for _, b := range p.Builds {
			if !seen[b.UUID] {
				seen[b.UUID] = true
				b.WorkerName = w.Name
				all = append(all, b)
				added++
			}
		}
		if !p.More() || added == 0 {
			break
		}
	}
	model.SortNewestFirst(all)
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

// workerLabel names a Worker by its name, or its tag when the name is unknown.
func workerLabel(w model.Worker) string {
	if w.Name != "" {
		return w.Name
	}
	return w.Tag
}

// WorkerBuilds returns one page (1-based) of a Worker's builds. The API does
// not document an order, so the page is sorted newest first here.
func (c *Client) WorkerBuilds(ctx context.Context, tag string, page, perPage int) (HistoryPage, error) {
	q := url.Values{}
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	if perPage > 0 {
		q.Set("per_page", strconv.Itoa(min(perPage, 200)))
	}
	var res []wireBuild
	info, err := c.do(ctx, http.MethodGet, c.accountPath()+"/builds/workers/"+url.PathEscape(tag)+"/builds", q, &res)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("read page %d of a Worker's builds: %w", max(page, 1), err)
	}
	p := HistoryPage{Builds: make([]model.Build, 0, len(res))}
	if info != nil {
		p.Info = *info
	}
	for _, wb := range res {
		if wb.skip {
			continue
		}
		b := wb.model()
		if b.WorkerTag == "" {
			b.WorkerTag = tag
		}
		p.Builds = append(p.Builds, b)
	}
	model.SortNewestFirst(p.Builds)
	return p, nil
}

// Build returns one build.
func (c *Client) Build(ctx context.Context, uuid string) (model.Build, error) {
	var wb wireBuild
	if _, err := c.do(ctx, http.MethodGet, c.accountPath()+"/builds/builds/"+url.PathEscape(uuid), nil, &wb); err != nil {
		return model.Build{}, fmt.Errorf("get build %s: %w", uuid, err)
	}
	if wb.skip {
		return model.Build{}, fmt.Errorf("get build %s: the answer holds no build object", uuid)
	}
	return wb.model(), nil
}

// LogPage is one page of a build log.
type LogPage struct {
	Cursor    string
	Lines     []model.LogLine
	Truncated bool // another page exists now
	Events    []model.PhaseEvent
}

// Log reads one log page from cursor ("" for the start).
func (c *Client) Log(ctx context.Context, uuid, cursor string) (LogPage, error) {
	var q url.Values
	if cursor != "" {
		q = url.Values{"cursor": {cursor}}
	}
	var wp wireLogPage
	if _, err := c.do(ctx, http.MethodGet, c.accountPath()+"/builds/builds/"+url.PathEscape(uuid)+"/logs", q, &wp); err != nil {
		return LogPage{}, fmt.Errorf("get log of build %s: %w", uuid, err)
	}
	return LogPage{Cursor: string(wp.Cursor), Truncated: bool(wp.Truncated), Events: wp.Events, Lines: wp.Lines}, nil
}

// maxLogPages bounds a whole-log read: 90 days of a 20-minute build cannot
// need more, and a server that keeps saying "truncated" cannot loop us forever.
const maxLogPages = 100_000

// ErrCursorStuck is returned when the API says more pages exist but hands
// back the cursor it was given.
var ErrCursorStuck = errors.New("the log cursor did not advance")

// ErrCursorLoop is returned when the API hands back a cursor it gave before
// in the same read: following it would read the same pages forever.
var ErrCursorLoop = errors.New("the log cursor came back to one it gave before; the read stopped (the API is looping)")

// ReadLog reads a whole log from the start, every page, into memory.
func (c *Client) ReadLog(ctx context.Context, uuid string) ([]model.LogLine, error) {
	// Pages are kept as they come and joined once: appending to one slice
	// copied the log again at every growth.
	var pages [][]model.LogLine
	err := c.ReadLogPages(ctx, uuid, func(lines []model.LogLine) error {
		pages = append(pages, lines)
		return nil
	})
	return slices.Concat(pages...), err
}

// ReadLogPages reads a whole log from the start and hands each page to
// emit as it arrives, so a caller can stream a log of any length in flat
// memory. An error from emit stops the read.
func (c *Client) ReadLogPages(ctx context.Context, uuid string, emit func([]model.LogLine) error) error {
	cursor := ""
	visited := map[string]bool{"": true}
	for range maxLogPages {
		p, err := c.Log(ctx, uuid, cursor)
		if err != nil {
			return err
		}
		if err := emit(p.Lines); err != nil {
			return err
		}
		if !p.Truncated {
			return nil
		}
		if p.Cursor == cursor || p.Cursor == "" {
			return fmt.Errorf("read log of build %s: %w", uuid, ErrCursorStuck)
		}
		if visited[p.Cursor] {
			return fmt.Errorf("read log of build %s: %w", uuid, ErrCursorLoop)
		}
		visited[p.Cursor] = true
		cursor = p.Cursor
	}
	return fmt.Errorf("read log of build %s: more than %d pages", uuid, maxLogPages)
}

// Cancel asks for a queued or running build to stop. It is sent exactly once,
// never retried: the caller reads the build again to learn what happened.
func (c *Client) Cancel(ctx context.Context, uuid string) (model.CancelResult, error) {
	var wc wireCancel
	if _, err := c.do(ctx, http.MethodPut, c.accountPath()+"/builds/builds/"+url.PathEscape(uuid)+"/cancel", nil, &wc); err != nil {
		return model.CancelResult{}, fmt.Errorf("cancel build %s: %w", uuid, err)
	}
	return model.CancelResult{UUID: string(wc.UUID), Outcome: model.Outcome(wc.Outcome), StoppedOn: wc.StoppedOn.t}, nil
}
