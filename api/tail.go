package api

import (
	"context"
	"fmt"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// Step reads whatever is new in the log. stopped says the build is known to be
// stopped, so this read is the last: it ends at the true end of the log and
// marks the tail Done. On an error the step returns the lines it did get and
// the state after them, so the next step resumes from the same cursor with
// nothing lost or repeated.
func (c *Client) Step(ctx context.Context, t model.Tail, stopped bool) (model.TailStep, error) {
	step := model.TailStep{Tail: t}
	if t.Done {
		return step, nil
	}
	if t.Cursor != "" && !t.AtEnd {
		if _, err := c.follow(ctx, &step, t.Cursor, 0); err != nil || step.More {
			return step, err
		}
		t = step.Tail
	}
	fromStart := t.Lines == 0 && t.Cursor == ""
	if !fromStart && t.Mode != model.CursorSnapshot {
		got, err := c.follow(ctx, &step, t.Cursor, 0)
		if err != nil || step.More {
			return step, err
		}
		if got > 0 {
			if step.Tail.Mode == model.CursorUnknown {
				step.Tail.Mode = model.CursorIncremental
			}
		} else if step.Tail.Mode == model.CursorUnknown {
			// Nothing new by cursor: either nothing was written, or the API
			// only shows new lines to a read from the start. Check, but on a
			// quiet log only on the 1st, 2nd, 4th and then every 8th empty
			// poll: a read from the start costs every page. The last read
			// always checks.
			step.Tail.EmptyPolls++
			n := step.Tail.EmptyPolls
			fromStart = stopped || n&(n-1) == 0 || n%8 == 0
		}
	} else {
		fromStart = true
	}
	if fromStart {
		before := step.Tail.Lines
		if _, err := c.follow(ctx, &step, "", step.Tail.Lines); err != nil || step.More {
			return step, err
		}
		if before > 0 && step.Tail.Lines > before && step.Tail.Mode == model.CursorUnknown {
			step.Tail.Mode = model.CursorSnapshot
		}
	}
	if stopped {
		step.Tail.Done = true
	}
	return step, nil
}

// follow reads pages from cursor until the last one, skipping the first skip
// lines of what it reads (they were delivered before). It advances the tail
// page by page so an error keeps what came before it.
func (c *Client) follow(ctx context.Context, step *model.TailStep, cursor string, skip int) (int, error) {
	got := 0
	seen := 0 // lines of the log this read has passed, delivered or skipped
	visited := map[string]bool{cursor: true}
	for page := 0; page < maxLogPages; page++ {
		p, err := c.Log(ctx, step.Tail.UUID, cursor)
		if err != nil {
			return got, err
		}
		// A cursor read that starts again with the log's first line is the
		// API ignoring the cursor: the lines already delivered are skipped,
		// not appended again, and the tail reads from the start from now on.
		if page == 0 && cursor != "" && skip == 0 && step.Tail.Lines > 0 && len(p.Lines) > 0 && fingerprint(p.Lines[0]) == step.Tail.First {
			skip = step.Tail.Lines
			step.Tail.Mode = model.CursorSnapshot
		}
		if step.Tail.Lines == 0 && seen == 0 && len(p.Lines) > 0 {
			step.Tail.First = fingerprint(p.Lines[0])
		}
		lines := p.Lines
		if seen < skip {
			lines = lines[min(skip-seen, len(lines)):]
		}
		seen += len(p.Lines)
		if len(p.Events) > 0 {
			step.Events = p.Events
		}
		step.Lines = append(step.Lines, lines...)
		step.Tail.Lines += len(lines)
		got += len(lines)
		// Keep the cursor only once the read is past what was delivered
		// before: resuming from a cursor inside the skipped part would
		// deliver lines twice.
		if seen >= skip {
			if p.Cursor != "" {
				step.Tail.Cursor = p.Cursor
			}
			step.Tail.AtEnd = !p.Truncated
		}
		step.Pages++
		if !p.Truncated {
			return got, nil
		}
		if p.Cursor == "" || p.Cursor == cursor {
			return got, fmt.Errorf("follow log of build %s: %w", step.Tail.UUID, ErrCursorStuck)
		}
		// A long log is read a few pages a step, so its lines show as they
		// come and the screen never waits on the whole read: a first read
		// or one that continues a cursor. Not a read from the start that
		// skips what was delivered before: it must reach the end in one go
		// to say where the end is.
		if step.Pages >= maxPagesPerStep && skip == 0 && p.Cursor != "" {
			step.Tail.Cursor, step.Tail.AtEnd = p.Cursor, false
			step.More = true
			return got, nil
		}
		if visited[p.Cursor] {
			return got, fmt.Errorf("follow log of build %s: %w", step.Tail.UUID, ErrCursorLoop)
		}
		visited[p.Cursor] = true
		cursor = p.Cursor
	}
	return got, fmt.Errorf("follow log of build %s: more than %d pages", step.Tail.UUID, maxLogPages)
}

// FollowOptions say what Follow reports as a build runs.
type FollowOptions struct {
	// Interval between polls (default 2 s).
	Interval time.Duration
	// Lines receives each batch of new log lines, each line exactly once.
	// Nil: the log is not read at all (a watch of the state only).
	Lines func([]model.LogLine)
	// Build receives the build at every poll.
	Build func(model.Build)
	// Err hears of each failed poll; a non-nil return gives up with it.
	// Nil: every error gives up.
	Err func(error) error
}

// Follow polls a build until it stops (and, with Lines, until its log is
// read to the end), then returns it. On errors it backs off (doubling,
// capped at a minute, never under a Retry-After).
func (c *Client) Follow(ctx context.Context, uuid string, o FollowOptions) (model.Build, error) {
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	t := model.Tail{UUID: uuid}
	wait := o.Interval
	for {
		b, err := c.Build(ctx, uuid)
		if err == nil && o.Build != nil {
			o.Build(b)
		}
		if err == nil && o.Lines == nil && b.Finished() {
			return b, nil
		}
		if err == nil && o.Lines != nil {
			var step model.TailStep
			step, err = c.Step(ctx, t, b.Finished())
			if len(step.Lines) > 0 {
				o.Lines(step.Lines)
			}
			t = step.Tail
			if err == nil && t.Done {
				return b, nil
			}
			if err == nil && step.More {
				continue // more of a long log: at once, the budget paces it
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return model.Build{}, ctx.Err()
			}
			if o.Err == nil {
				return model.Build{}, err
			}
			if e := o.Err(err); e != nil {
				return model.Build{}, e
			}
			wait = min(wait*2, time.Minute)
			if re := retryAfterOf(err); re > wait {
				wait = re
			}
		} else {
			wait = o.Interval
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return model.Build{}, err
		}
	}
}

func retryAfterOf(err error) time.Duration {
	var ae *Error
	if asError(err, &ae) && ae.Kind == ErrRateLimited {
		return ae.RetryAfter
	}
	return 0
}

// maxPagesPerStep bounds the pages one Step reads (5,000 lines at 1,000 a
// page), so a caller shows a long log as it comes.
const maxPagesPerStep = 5

// fingerprint names a log line by its time and text, to recognise the
// log's first line when an API sends it again.
func fingerprint(l model.LogLine) string {
	return l.Time.UTC().Format(time.RFC3339Nano) + "|" + l.Text
}
