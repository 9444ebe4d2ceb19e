package history

import (
	"context"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// Pager reads one page of a Worker's history: its builds and whether
// another page follows.
type Pager func(ctx context.Context, w model.Worker, page int) (builds []model.Build, more bool, err error)

// SyncResult is what a sync did.
type SyncResult struct {
	Workers, Read int // Workers whose history was read; builds recorded
	Requests      int
	Partial       bool // it stopped early (an error, the context): run it again to go on
}

// maxSyncPages bounds one Worker's read (2,000 builds at 200 a page).
const maxSyncPages = 10

// Sync brings the history up to date from the API: the latest builds of
// every Worker (a call per 20), then the history of each Worker read
// whole once (an interrupted read is done again) and, later, only of
// those whose latest build is not stored yet, page by page until that
// build is stored and a page brings nothing new. A second sync of an
// unchanged account costs the latest-builds calls alone. progress hears
// of each Worker read.
func (h *DB) Sync(ctx context.Context, src model.Source, pages Pager, workers []model.Worker, progress func(done, total int)) (SyncResult, error) {
	var res SyncResult
	tags := make([]string, len(workers))
	for i, w := range workers {
		tags[i] = w.Tag
	}
	latest, err := src.LatestBuilds(ctx, tags)
	res.Requests += (len(tags) + 19) / 20
	if err != nil {
		return res, err
	}
	var fresh []model.Build
	var uuids []string
	for _, w := range workers {
		if b, ok := latest[w.Tag]; ok {
			b.WorkerName, b.WorkerTag = w.Name, w.Tag
			fresh = append(fresh, b)
			uuids = append(uuids, b.UUID)
		}
	}
	have, err := h.Has(ctx, uuids)
	if err != nil {
		return res, err
	}
	complete, err := h.complete(ctx)
	if err != nil {
		return res, err
	}
	var todo []model.Worker
	for _, w := range workers {
		b, built := latest[w.Tag]
		if built && (!complete[w.Tag] || !have[b.UUID]) {
			todo = append(todo, w)
		}
	}
	for i, w := range todo {
		n, reqs, err := h.syncWorker(ctx, pages, w, latest[w.Tag].UUID, complete[w.Tag])
		res.Requests += reqs
		res.Read += n
		if err != nil {
			res.Partial = true
			return res, err
		}
		res.Workers++
		if progress != nil {
			progress(i+1, len(todo))
		}
	}
	// The latest builds last: recorded before their Worker's history was,
	// a Worker interrupted mid-read would look up to date.
	if err := h.record(ctx, fresh); err != nil {
		return res, err
	}
	_, _ = h.Prune(ctx, time.Now())
	return res, nil
}

// syncWorker reads a Worker's history: every page when it was never read
// whole, else pages until its latest build is stored and a page brings
// nothing new (the API promises no order, so both ends are watched).
func (h *DB) syncWorker(ctx context.Context, pages Pager, w model.Worker, latest string, complete bool) (recorded, requests int, err error) {
	for page := 1; page <= maxSyncPages; page++ {
		bs, more, err := pages(ctx, w, page)
		requests++
		if err != nil {
			return recorded, requests, err
		}
		uuids := make([]string, len(bs))
		for i := range bs {
			bs[i].WorkerName, bs[i].WorkerTag = w.Name, w.Tag
			uuids[i] = bs[i].UUID
		}
		have, err := h.Has(ctx, uuids)
		if err != nil {
			return recorded, requests, err
		}
		news, sawLatest := 0, false
		for _, u := range uuids {
			if !have[u] {
				news++
			}
			sawLatest = sawLatest || u == latest
		}
		if err := h.record(ctx, bs); err != nil {
			return recorded, requests, err
		}
		recorded += news
		if !more || complete && news == 0 && (sawLatest || have[latest]) {
			break
		}
		if complete && news == 0 {
			if stored, _ := h.Has(ctx, []string{latest}); stored[latest] {
				break
			}
		}
	}
	_, err = h.db.ExecContext(ctx, `INSERT INTO workers (tag, name, complete) VALUES (?, ?, 1)
		ON CONFLICT (tag) DO UPDATE SET name = excluded.name, complete = 1`, w.Tag, w.Name)
	return recorded, requests, err
}

// complete is the Workers whose history was read whole once.
func (h *DB) complete(ctx context.Context) (map[string]bool, error) {
	rows, err := h.db.QueryContext(ctx, "SELECT tag FROM workers WHERE complete = 1")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var tag string
		if err := rows.Scan(&tag); err != nil {
			return nil, err
		}
		out[tag] = true
	}
	return out, rows.Err()
}
