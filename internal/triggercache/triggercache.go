// Package triggercache keeps Workers' build triggers in a small file under
// the user's cache directory, so planning a push on an account of 2,000
// Workers does not read 2,000 triggers every time. Triggers change rarely
// (a person edits them in the dashboard); an entry older than the cache's
// age is read again. The file is a cache of Cloudflare's truth: one that is
// missing, unreadable or garbled is started afresh, never an error.
package triggercache

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// DefaultMaxAge is how long a Worker's triggers are trusted.
const DefaultMaxAge = 6 * time.Hour

// maxFile bounds what is read back: a few KB a Worker, thousands of Workers.
const maxFile = 64 << 20

// Cache reads triggers through read and remembers them in file.
type Cache struct {
	file   string // "" keeps the cache in memory only
	read   model.TriggerReader
	maxAge time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]entry // Worker tag → triggers
	loaded  bool
}

type entry struct {
	Read     time.Time       `json:"read"`
	Triggers []model.Trigger `json:"triggers"`
}

// New is a cache in file (made with its directory when first written) in
// front of read.
func New(file string, read model.TriggerReader, maxAge time.Duration, now func() time.Time) *Cache {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if now == nil {
		now = time.Now
	}
	return &Cache{file: file, read: read, maxAge: maxAge, now: now, entries: map[string]entry{}}
}

// Triggers is a Worker's triggers: from the cache while fresh, else read
// (and remembered). It is a model.TriggerReader.
func (c *Cache) Triggers(ctx context.Context, w model.Worker) ([]model.Trigger, error) {
	c.mu.Lock()
	c.load()
	e, ok := c.entries[w.Tag]
	c.mu.Unlock()
	if ok && c.now().Sub(e.Read) < c.ageFor(e) {
		return e.Triggers, nil
	}
	trs, err := c.read(ctx, w)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.entries[w.Tag] = entry{Read: c.now(), Triggers: trs}
	c.mu.Unlock()
	return trs, nil
}

// emptyMaxAge is how long "no triggers" is trusted: a Worker just
// connected to a repository is not missed for hours, and an account of
// many Workers that do not use Builds is not read again every few minutes
// (a push's watch also looks across the account for builds of the commit
// before its verdict, so a Worker missed here is still found building).
const emptyMaxAge = time.Hour

func (c *Cache) ageFor(e entry) time.Duration {
	if len(e.Triggers) == 0 {
		return min(c.maxAge, emptyMaxAge)
	}
	return c.maxAge
}

// Save writes what was read to the file; a cache that cannot be written is
// only a slower next run, so Save says nothing of it.
func (c *Cache) Save() {
	if c.file == "" {
		return
	}
	c.mu.Lock()
	b, err := json.Marshal(c.entries)
	c.mu.Unlock()
	if err != nil || os.MkdirAll(filepath.Dir(c.file), 0o700) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.file), ".triggers-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	if cerr := tmp.Close(); werr != nil || cerr != nil {
		_ = os.Remove(tmp.Name())
		return
	}
	if os.Rename(tmp.Name(), c.file) != nil {
		_ = os.Remove(tmp.Name())
	}
}

// load reads the file once. Called under c.mu.
func (c *Cache) load() {
	if c.loaded || c.file == "" {
		c.loaded = true
		return
	}
	c.loaded = true
	f, err := os.Open(c.file)
	if err != nil {
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() > maxFile {
		return
	}
	var entries map[string]entry
	if json.NewDecoder(f).Decode(&entries) == nil {
		for tag, e := range entries {
			c.entries[tag] = e
		}
	}
}
