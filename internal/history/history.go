// Package history is the local history of builds: an SQLite database
// ($XDG_STATE_HOME/cfbuilds/history.db, pure Go through modernc.org/sqlite,
// so static builds keep working) that every command fills with the builds
// it sees, and that `cfbuilds stats`, the dashboard's stats view and MCP's
// get_stats read. It is a cache of Cloudflare's truth, never a second
// source: a file that cannot be opened or is corrupt is moved aside and
// started afresh (the API fills it again), never a failure; a file it
// cannot write, a full disk or a newer schema is left alone and said.
// WAL mode and a busy timeout let serve, a dashboard and stats use it at
// once.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// DefaultKeep is how long builds are kept.
const DefaultKeep = 400 * 24 * time.Hour

// DB is the history.
type DB struct {
	db   *sql.DB
	path string
	keep time.Duration
	// Note is what opening had to do (a corrupt file moved aside), for the
	// person to read once; "" nothing.
	Note string
}

// migrations are the schema's versions, in order: each runs once, in a
// transaction, and the database records how many ran (user_version).
var migrations = []string{
	`CREATE TABLE builds (
		uuid TEXT PRIMARY KEY,
		worker TEXT NOT NULL,
		worker_tag TEXT NOT NULL DEFAULT '',
		branch TEXT NOT NULL DEFAULT '',
		commit_hash TEXT NOT NULL DEFAULT '',
		trigger_name TEXT NOT NULL DEFAULT '',
		source TEXT NOT NULL DEFAULT '',
		status TEXT NOT NULL,
		outcome TEXT NOT NULL DEFAULT '',
		created INTEGER NOT NULL,
		initializing INTEGER,
		running INTEGER,
		stopped INTEGER,
		failed_phase TEXT NOT NULL DEFAULT '',
		first_error TEXT NOT NULL DEFAULT ''
	) WITHOUT ROWID;
	CREATE INDEX builds_worker_created ON builds (worker, created);
	CREATE INDEX builds_created ON builds (created);`,
	// A Worker whose whole history was read once: later syncs read only
	// what is new (an interrupted first read is done again).
	`CREATE TABLE workers (tag TEXT PRIMARY KEY, name TEXT NOT NULL, complete INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;`,
	// Stats read through covering indexes: the rows they count, and the
	// commits that failed and then succeeded, without the table's text.
	`CREATE INDEX builds_flaky ON builds (worker, commit_hash, outcome, created, status, branch);`,
}

// WriteError is the history's own failure to keep what it read (a full
// disk, a file it may not write): not the API's. It names the file.
type WriteError struct {
	Path string
	Err  error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("write the build history %s: %v", e.Path, e.Err)
}
func (e *WriteError) Unwrap() error { return e.Err }

// record is Record for Sync: a failure is the history's, said as such.
func (h *DB) record(ctx context.Context, builds []model.Build) error {
	if err := h.Record(ctx, builds); err != nil && ctx.Err() == nil {
		return &WriteError{Path: h.path, Err: err}
	}
	return nil
}

// Close closes the database.
func (h *DB) Close() error { return h.db.Close() }

// Path is where the history lives ("" in memory).
func (h *DB) Path() string { return h.path }

func unix(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// Record upserts builds as they are seen: a build's later state replaces
// its earlier one (a stopped build is never made running again), and what
// its log said is kept.
func (h *DB) Record(ctx context.Context, builds []model.Build) error {
	if len(builds) == 0 {
		return nil
	}
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO builds (uuid, worker, worker_tag, branch, commit_hash, trigger_name, source, status, outcome, created, initializing, running, stopped)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (uuid) DO UPDATE SET
			worker = CASE WHEN excluded.worker != '' THEN excluded.worker ELSE worker END,
			worker_tag = CASE WHEN excluded.worker_tag != '' THEN excluded.worker_tag ELSE worker_tag END,
			status = CASE WHEN status = 'stopped' THEN status ELSE excluded.status END,
			outcome = CASE WHEN outcome != '' THEN outcome ELSE excluded.outcome END,
			initializing = COALESCE(initializing, excluded.initializing),
			running = COALESCE(running, excluded.running),
			stopped = COALESCE(stopped, excluded.stopped)`)
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	defer stmt.Close()
	for _, b := range builds {
		if b.UUID == "" || b.CreatedOn.IsZero() {
			continue
		}
		created := b.CreatedOn
		if _, err := stmt.ExecContext(ctx, b.UUID, b.WorkerName, b.WorkerTag, b.Meta.Branch, b.Meta.CommitHash, b.Trigger.TriggerName,
			b.Meta.Source, string(b.Status), string(b.Outcome), created.UnixMilli(), unix(b.InitializingOn), unix(b.RunningOn), unix(b.StoppedOn)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("record build %s: %w", b.UUID, err)
		}
	}
	return tx.Commit()
}

// RecordFailure keeps what a failed build's log said: the phase it failed
// in and its first error line.
func (h *DB) RecordFailure(ctx context.Context, uuid string, f model.Failure) error {
	_, err := h.db.ExecContext(ctx, `UPDATE builds SET failed_phase = ?, first_error = ? WHERE uuid = ?`, f.Phase, capText(f.Text, 500), uuid)
	return err
}

func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// UnexplainedFailures is up to n failed builds, newest first, whose log
// was never read for the phase it failed in.
func (h *DB) UnexplainedFailures(ctx context.Context, n int) ([]string, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT uuid FROM builds WHERE status = 'stopped' AND outcome IN ('fail', 'terminated') AND failed_phase = ''
		ORDER BY created DESC LIMIT ?`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Has reports which of the uuids are stored.
func (h *DB) Has(ctx context.Context, uuids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for i := 0; i < len(uuids); i += 500 {
		part := uuids[i:min(i+500, len(uuids))]
		q := "SELECT uuid FROM builds WHERE uuid IN (?" + strings.Repeat(",?", len(part)-1) + ")"
		args := make([]any, len(part))
		for j, u := range part {
			args[j] = u
		}
		rows, err := h.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return nil, err
			}
			out[u] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Filter narrows Builds.
type Filter struct {
	Worker, Branch string
	Since          time.Time // zero: all kept
	Until          time.Time // zero: up to now (exclusive)
}

// Builds is the stored builds that match, oldest first.
func (h *DB) Builds(ctx context.Context, f Filter) ([]model.HistoryBuild, error) {
	where, args := f.clauses(" WHERE 1 = 1")
	q := `SELECT uuid, worker, worker_tag, branch, commit_hash, trigger_name, source, status, outcome, created, initializing, running, stopped, failed_phase, first_error
		FROM builds` + where
	rows, err := h.db.QueryContext(ctx, q+" ORDER BY created", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.HistoryBuild
	for rows.Next() {
		var hb model.HistoryBuild
		var status, outcome string
		var created int64
		var ini, run, stop sql.NullInt64
		if err := rows.Scan(&hb.UUID, &hb.WorkerName, &hb.WorkerTag, &hb.Meta.Branch, &hb.Meta.CommitHash, &hb.Trigger.TriggerName, &hb.Meta.Source,
			&status, &outcome, &created, &ini, &run, &stop, &hb.FailedPhase, &hb.FirstError); err != nil {
			return nil, err
		}
		hb.Status, hb.Outcome, hb.CreatedOn = model.Status(status), model.Outcome(outcome), time.UnixMilli(created).UTC()
		hb.InitializingOn, hb.RunningOn, hb.StoppedOn = ptime(ini), ptime(run), ptime(stop)
		out = append(out, hb)
	}
	return out, rows.Err()
}

func ptime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

// where is a Filter as SQL, for the stopped builds that match.
func (f Filter) where() (string, []any) {
	// A stopped build has its stopped time: an integer's test costs less
	// than a string's on a hundred thousand rows.
	return f.clauses(" WHERE stopped IS NOT NULL")
}

// clauses adds the filter's conditions to a WHERE clause.
func (f Filter) clauses(q string) (string, []any) {
	var args []any
	for _, c := range []struct {
		on   bool
		cond string
		arg  any
	}{
		{!f.Since.IsZero(), " AND created >= ?", f.Since.UnixMilli()},
		{f.Worker != "", " AND worker = ?", f.Worker},
		{f.Branch != "", " AND branch = ?", f.Branch},
		{!f.Until.IsZero(), " AND created < ?", f.Until.UnixMilli()},
	} {
		if c.on {
			q += c.cond
			args = append(args, c.arg)
		}
	}
	return q, args
}

// keyOf is a group's key by Worker and branch.
func keyOf(worker, branch string) string { return worker + " · " + branch }

// Flaky is, by group key, the commits that failed and then succeeded with
// no change (one pass over a covering index).
func (h *DB) Flaky(ctx context.Context, f Filter, byBranch bool) (map[string][]string, error) {
	where, args := f.where()
	// The covering index has the status, not the stopped time.
	where = strings.Replace(where, "stopped IS NOT NULL", "status = 'stopped'", 1)
	rows, err := h.db.QueryContext(ctx, `SELECT worker, MIN(branch), commit_hash FROM builds`+where+` AND commit_hash != ''
		GROUP BY worker, commit_hash
		HAVING MIN(CASE WHEN outcome IN ('fail', 'terminated') THEN created END) < MAX(CASE WHEN outcome = 'success' THEN created END)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var w, br, c string
		if err := rows.Scan(&w, &br, &c); err != nil {
			return nil, err
		}
		k := w
		if byBranch {
			k = keyOf(w, br)
		}
		out[k] = append(out[k], c)
	}
	return out, rows.Err()
}

// Stats are the figures of the stored builds that match, by Worker (and
// branch), with their flaky commits. SQLite (pure Go) costs about 2 µs a
// row that crosses to Go, so little crosses: the counts by outcome and
// phase are grouped in SQL, the durations come as three integers a row (in
// two halves of time, at once), the flaky commits and each group's newest
// builds come from indexes, all in parallel.
func (h *DB) Stats(ctx context.Context, f Filter, byBranch bool) ([]model.Stats, error) {
	key := "worker"
	if byBranch {
		key = "worker || ' · ' || branch"
	}
	where, args := f.where()
	var lo, hi sql.NullInt64
	if err := h.db.QueryRowContext(ctx, "SELECT MIN(created), MAX(created) FROM builds"+where, args...).Scan(&lo, &hi); err != nil {
		return nil, err
	}
	mid := time.UnixMilli(lo.Int64 + (hi.Int64-lo.Int64)/2 + 1)
	before, from := f, f
	before.Until, from.Since = mid, later(f.Since, mid)
	parts := map[string]*model.StatsParts{}
	var mu sync.Mutex
	part := func(k string) *model.StatsParts { // under mu
		p, ok := parts[k]
		if !ok {
			p = &model.StatsParts{Key: k}
			parts[k] = p
		}
		return p
	}
	var flaky map[string][]string
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() { errs[0] = h.durations(ctx, key, before, &mu, part) })
	wg.Go(func() { errs[1] = h.durations(ctx, key, from, &mu, part) })
	wg.Go(func() { flaky, errs[2] = h.Flaky(ctx, f, byBranch) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]model.Stats, 0, len(parts))
	for k, p := range parts {
		p.Flaky = flaky[k]
		recent, err := h.recent(ctx, k, f, byBranch)
		if err != nil {
			return nil, err
		}
		p.Recent = recent
		out = append(out, p.Stats())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// durations reads each stopped build's outcome, phase, whole time, queue
// wait and run, and counts them into the groups' parts (counted here, a
// GROUP BY in SQLite would sort the table).
func (h *DB) durations(ctx context.Context, key string, f Filter, mu *sync.Mutex, part func(string) *model.StatsParts) error {
	where, args := f.where()
	table := "builds"
	if f.Worker == "" {
		table = "builds NOT INDEXED" // most of the table: a scan in order beats a seek a row
	}
	rows, err := h.db.QueryContext(ctx, "SELECT "+key+", outcome, failed_phase, IFNULL(stopped - created, -1), IFNULL(initializing - created, -1), IFNULL(stopped - running, -1) FROM "+table+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type count struct {
		outcome, phase string
	}
	type acc struct {
		total, queue, run []time.Duration
		counts            map[count]int
	}
	local := map[string]*acc{}
	words := map[string]string{} // outcomes and phases are few: interned, no allocation a row
	word := func(b []byte) string {
		if w, ok := words[string(b)]; ok {
			return w
		}
		w := string(b)
		words[w] = w
		return w
	}
	var k, outcome, phase sql.RawBytes
	var total, queue, run int64
	for rows.Next() {
		if err := rows.Scan(&k, &outcome, &phase, &total, &queue, &run); err != nil {
			return err
		}
		a, ok := local[string(k)]
		if !ok {
			a = &acc{counts: map[count]int{}}
			local[string(k)] = a
		}
		a.counts[count{word(outcome), word(phase)}]++
		if total >= 0 {
			a.total = append(a.total, time.Duration(total)*time.Millisecond)
		}
		if queue >= 0 {
			a.queue = append(a.queue, time.Duration(queue)*time.Millisecond)
		}
		if run >= 0 {
			a.run = append(a.run, time.Duration(run)*time.Millisecond)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	for k, a := range local {
		p := part(k)
		p.Total, p.Queue, p.Run = append(p.Total, a.total...), append(p.Queue, a.queue...), append(p.Run, a.run...)
		for c, n := range a.counts {
			p.Count(model.Outcome(c.outcome), c.phase, n)
		}
	}
	return nil
}

// recent is a group's newest stopped builds for its chart, oldest first.
func (h *DB) recent(ctx context.Context, k string, f Filter, byBranch bool) ([]model.BuildPoint, error) {
	g := f
	if byBranch {
		g.Worker, g.Branch, _ = strings.Cut(k, " · ")
	} else {
		g.Worker = k
	}
	where, args := g.where()
	rows, err := h.db.QueryContext(ctx, "SELECT created, IFNULL(stopped - created, 0), outcome FROM builds"+where+" ORDER BY created DESC LIMIT 40", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.BuildPoint
	for rows.Next() {
		var created, d int64
		var o string
		if err := rows.Scan(&created, &d, &o); err != nil {
			return nil, err
		}
		out = append(out, model.BuildPoint{At: time.UnixMilli(created).UTC(), Duration: time.Duration(d) * time.Millisecond, Outcome: model.Outcome(o)})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// MinutesUsed is the month's build minutes (the run time of the builds
// created in now's month, UTC, summed) and the forecast at its pace.
func (h *DB) MinutesUsed(ctx context.Context, included float64, now time.Time) (model.Minutes, error) {
	now = now.UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	var ms sql.NullInt64
	err := h.db.QueryRowContext(ctx, `SELECT SUM(stopped - COALESCE(running, initializing)) FROM builds
		WHERE status = 'stopped' AND created >= ? AND created < ? AND COALESCE(running, initializing) IS NOT NULL`, start.UnixMilli(), end.UnixMilli()).Scan(&ms)
	if err != nil {
		return model.Minutes{}, err
	}
	m := model.Minutes{Used: float64(ms.Int64) / 60000, Included: included, MonthStart: start}
	if elapsed := now.Sub(start); elapsed > 0 {
		m.Forecast = m.Used * float64(end.Sub(start)) / float64(elapsed)
	}
	return m, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Newest is the newest stored build's time (zero: none).
func (h *DB) Newest(ctx context.Context) (time.Time, error) {
	var ms sql.NullInt64
	if err := h.db.QueryRowContext(ctx, "SELECT MAX(created) FROM builds").Scan(&ms); err != nil || !ms.Valid {
		return time.Time{}, err
	}
	return time.UnixMilli(ms.Int64), nil
}

// Count is how many builds are stored.
func (h *DB) Count(ctx context.Context) (int, error) {
	var n int
	err := h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM builds").Scan(&n)
	return n, err
}

// Prune drops builds older than the history keeps.
func (h *DB) Prune(ctx context.Context, now time.Time) (int64, error) {
	res, err := h.db.ExecContext(ctx, "DELETE FROM builds WHERE created < ?", now.Add(-h.keep).UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ErrOff is the history turned off (--no-history, [history] enabled = false).
var ErrOff = errors.New("the build history is off (--no-history or [history] enabled = false)")
