package history

// Opening the history: one opener at a time per file, migrations under
// SQLite's write lock, and only a damaged file moved aside.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite" // the database/sql driver "sqlite", and its errors
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNewer is a history made by a newer cfbuilds (a schema this one does
// not know): left as it is, never moved aside; the history is off for
// this run.
var ErrNewer = errors.New("made by a newer cfbuilds")

// Open opens (or makes) the history at path ("" or ":memory:": in memory,
// for tests). Only a file that is not a database (or is damaged) is moved
// aside, to a name of its own (path + ".corrupt-<time>-<n>", never
// overwritten), and a new one made, said in Note; any other failure (a
// directory it may not write, a full disk, a newer schema) is returned and
// the file left alone. Processes opening one file at once take turns (a
// lock beside it), so a migration runs once and a healthy file is never
// taken for a broken one.
func Open(ctx context.Context, path string, keep time.Duration) (*DB, error) {
	if keep <= 0 {
		keep = DefaultKeep
	}
	if path == "" || path == ":memory:" {
		return open(ctx, path, keep)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open the build history %s: %w", path, err)
	}
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, fmt.Errorf("open the build history %s: lock it: %w", path, err)
	}
	defer unlock()
	h, err := open(ctx, path, keep)
	switch {
	case err == nil:
		return h, nil
	case errors.Is(err, ErrNewer):
		return nil, fmt.Errorf("the build history %s was %w; history is off for this run (the file is left as it is)", path, err)
	case !corrupt(err):
		return nil, fmt.Errorf("open the build history %s: %w", path, err)
	}
	// Unreadable: keep the file for whoever wants to look, start afresh.
	aside, rerr := moveAside(path)
	if rerr != nil {
		return nil, fmt.Errorf("open the build history %s: %v (and it could not be moved aside: %v)", path, err, rerr)
	}
	for _, side := range []string{"-wal", "-shm"} {
		_ = os.Remove(path + side)
	}
	h, err2 := open(ctx, path, keep)
	if err2 != nil {
		return nil, fmt.Errorf("open the build history %s: %w", path, err2)
	}
	h.Note = fmt.Sprintf("the build history %s could not be read (%v); it was moved to %s and is being rebuilt from the API", path, err, aside)
	return h, nil
}

// corrupt reports SQLite's "not a database" and "malformed": what moving
// the file aside mends. Locks, permissions and a full disk are not.
func corrupt(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_CORRUPT || code == sqlite3.SQLITE_NOTADB
	}
	msg := err.Error()
	return strings.Contains(msg, "file is not a database") || strings.Contains(msg, "malformed")
}

// moveAside renames the file to a name no other copy has: the time to the
// nanosecond and a number, tried until one is free.
func moveAside(path string) (string, error) {
	stamp := time.Now().UTC().Format("20060102T150405.000000000")
	for n := 1; n < 1000; n++ {
		aside := fmt.Sprintf("%s.corrupt-%s-%d", path, stamp, n)
		if _, err := os.Lstat(aside); err == nil {
			continue
		}
		if err := os.Rename(path, aside); err != nil {
			return "", err
		}
		return aside, nil
	}
	return "", errors.New("no free name beside it")
}

// memories numbers the in-memory databases, so two are two.
var memories atomic.Int64

func open(ctx context.Context, path string, keep time.Duration) (*DB, error) {
	dsn := fmt.Sprintf("file:cfbuilds-mem-%d?mode=memory&cache=shared", memories.Add(1))
	if path != "" && path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		dsn = "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_pragma=mmap_size(268435456)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if path == "" || path == ":memory:" {
		db.SetMaxOpenConns(1) // one connection holds the in-memory database
	}
	h := &DB{db: db, path: path, keep: keep}
	if err := h.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return h, nil
}

// migrate runs the migrations not yet run, under SQLite's write lock
// (BEGIN IMMEDIATE) with the version read again inside it: two processes
// that found the same old version migrate once, one after the other.
func (h *DB) migrate(ctx context.Context) error {
	var version int
	if err := h.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("%w (schema %d; this one knows %d)", ErrNewer, version, len(migrations))
	}
	if version == len(migrations) {
		return nil
	}
	conn, err := h.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	commit := false
	defer func() {
		if !commit {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("%w (schema %d; this one knows %d)", ErrNewer, version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := conn.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrate the build history to %d: %w", i+1, err)
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	commit = true
	return nil
}
