package cli

// The triggers cache the push plan reads through (internal/triggercache).

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"time"

	"github.com/cfbuilds/cfbuilds/internal/triggercache"
)

// triggerCache is the cache of this account's triggers, in
// $XDG_CACHE_HOME/cfbuilds (one file per account and API, so a simulator
// never answers for Cloudflare); in memory only for the demo or when no
// cache directory is known.
func (e *env) triggerCache() *triggercache.Cache {
	file := ""
	if !e.global.demo {
		sum := sha256.Sum256([]byte(e.cfg.BaseURL + "\x00" + e.cfg.AccountID))
		if p := xdgPath(e.getenv, "XDG_CACHE_HOME", filepath.Join(".cache"), "triggers-"+hex.EncodeToString(sum[:8])+".json"); p != "" {
			file = p
		}
	}
	return triggercache.New(file, e.client.Triggers, triggercache.DefaultMaxAge, time.Now)
}
