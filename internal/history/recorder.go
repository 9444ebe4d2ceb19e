package history

import (
	"context"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// Recorder writes what a process sees to the history in the background,
// so the dashboard's Update never waits on the disk: Record hands builds
// to a goroutine that writes them in batches; a full queue drops the
// batch (the next sync fills it in). It is a model.BuildRecorder.
type Recorder struct {
	h        *DB
	builds   chan []model.Build
	failures chan failure
	done     chan struct{}
}

type failure struct {
	uuid string
	f    model.Failure
}

// recordQueue is how many batches wait for the disk.
const recordQueue = 256

// Recorder starts the writer; it ends with ctx (what is queued is written
// first) and Wait returns then.
func (h *DB) Recorder(ctx context.Context) *Recorder {
	r := &Recorder{h: h, builds: make(chan []model.Build, recordQueue), failures: make(chan failure, recordQueue), done: make(chan struct{})}
	go r.run(ctx)
	return r
}

// Record queues builds for the history; it never waits.
func (r *Recorder) Record(builds []model.Build) {
	if len(builds) == 0 {
		return
	}
	select {
	case r.builds <- append([]model.Build(nil), builds...):
	default: // the disk is behind: a sync fills it in
	}
}

// RecordFailure queues what a failed build's log said; it never waits.
func (r *Recorder) RecordFailure(uuid string, f model.Failure) {
	select {
	case r.failures <- failure{uuid, f}:
	default:
	}
}

// Wait returns once the writer has ended (after its context).
func (r *Recorder) Wait() { <-r.done }

func (r *Recorder) run(ctx context.Context) {
	defer close(r.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var pending []model.Build
	flush := func() {
		if len(pending) > 0 {
			// A background write: a failure costs only what a sync refills.
			_ = r.h.Record(context.WithoutCancel(ctx), pending)
			pending = pending[:0]
		}
	}
	for {
		select {
		case bs := <-r.builds:
			pending = append(pending, bs...)
			if len(pending) >= 500 {
				flush()
			}
		case f := <-r.failures:
			flush()
			_ = r.h.RecordFailure(context.WithoutCancel(ctx), f.uuid, f.f)
		case <-tick.C:
			flush()
		case <-ctx.Done():
			for {
				select {
				case bs := <-r.builds:
					pending = append(pending, bs...)
				default:
					flush()
					return
				}
			}
		}
	}
}

var _ model.BuildRecorder = (*Recorder)(nil)

// Reader answers stats from the history (a model.StatsReader): it brings
// the history up to date first when it can (sync, nil: never), then
// counts. A sync that fails leaves the figures as the history has them.
type Reader struct {
	H        *DB
	Included float64 // the plan's included build minutes a month
	Sync     func(ctx context.Context) error
	Limits   func(ctx context.Context) (model.AccountLimits, error) // nil: not asked
}

// ReadStats is the figures of the builds since then, by Worker, and the
// month's build minutes.
func (r Reader) ReadStats(ctx context.Context, since time.Time) ([]model.Stats, model.Minutes, error) {
	if r.Sync != nil {
		_ = r.Sync(ctx)
	}
	st, err := r.H.Stats(ctx, Filter{Since: since}, false)
	if err != nil {
		return nil, model.Minutes{}, err
	}
	m, err := r.H.MinutesUsed(ctx, r.Included, time.Now())
	if err != nil {
		return nil, model.Minutes{}, err
	}
	if r.Limits != nil {
		if l, err := r.Limits(ctx); err == nil {
			m.LimitReached = l.ReachedBuildMinutes
		}
	}
	return st, m, nil
}

var _ model.StatsReader = Reader{}
