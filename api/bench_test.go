package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
)

// BenchmarkDecodeLogPage decodes a 5,000-line log page through the envelope.
func BenchmarkDecodeLogPage(b *testing.B) {
	lines := make([][2]any, 5000)
	for i := range lines {
		lines[i] = [2]any{1_700_000_000_000 + i, fmt.Sprintf("\x1b[36mdist/assets/chunk-%05d.js\x1b[39m  12.%02d kB │ gzip: 4.1 kB", i, i%100)}
	}
	body, _ := json.Marshal(map[string]any{"success": true, "errors": []any{}, "messages": []any{},
		"result": map[string]any{"cursor": "WzAsNTAwMF0=", "truncated": true, "lines": lines}})
	c, err := New("acct", "token")
	if err != nil {
		b.Fatal(err)
	}
	resp := &http.Response{StatusCode: 200, Header: http.Header{}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var page wireLogPage
		if _, err := c.decode("GET", "/logs", resp, body, &page); err != nil {
			b.Fatal(err)
		}
		if len(page.Lines) != 5000 {
			b.Fatal("short page")
		}
	}
}

// longLog is a simulator holding a stopped build with a 100,000-line log,
// 1,000 lines a page, and a client for it.
func longLog(b *testing.B) (*Client, *sim.Sim, string, []string) {
	lines := make([]string, 100_000)
	for i := range lines {
		lines[i] = fmt.Sprintf("step %d: \x1b[32mok\x1b[0m compiled module-%06d", i, i)
	}
	c, s, clock := simClient(b, sim.Options{PushEvery: -1, PageSize: 1000})
	id := s.Inject(sim.Spec{Lines: lines, LineEvery: time.Millisecond})
	clock.Advance(time.Hour)
	return c, s, id, lines
}

// BenchmarkReadLog reads a 100,000-line log from the simulator over loopback
// HTTP through the client, 1,000 lines a page.
func BenchmarkReadLog(b *testing.B) {
	c, _, id, lines := longLog(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := c.ReadLog(context.Background(), id)
		if err != nil || len(got) != len(lines) {
			b.Fatalf("%d lines, %v", len(got), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/log")
}

// BenchmarkReadLogRaw reads the same pages as BenchmarkReadLog with a bare
// HTTP client on one connection, bodies read and dropped: what curl does,
// the floor the client is measured against.
func BenchmarkReadLogRaw(b *testing.B) {
	c, s, id, _ := longLog(b)
	hc := &http.Client{}
	base := c.base.String() + "/accounts/" + s.AccountID() + "/builds/builds/" + id + "/logs"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cursor := ""
		for page := 0; ; page++ {
			req, _ := http.NewRequest("GET", base+"?cursor="+cursor, nil)
			if cursor == "" {
				req, _ = http.NewRequest("GET", base, nil)
			}
			req.Header.Set("Authorization", "Bearer "+s.Token())
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var env struct {
				Result struct {
					Cursor    string `json:"cursor"`
					Truncated bool   `json:"truncated"`
				} `json:"result"`
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// Only the paging fields: find them without decoding the lines.
			if j := bytes.LastIndex(body, []byte(`"cursor":`)); j >= 0 {
				_ = json.Unmarshal(append(append([]byte(`{"result":{`), body[j:bytes.IndexByte(body[j:], ',')+j]...), '}', '}'), &env)
			}
			env.Result.Truncated = bytes.Contains(body, []byte(`"truncated":true`))
			if !env.Result.Truncated {
				break
			}
			cursor = url.QueryEscape(env.Result.Cursor)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/log")
}

// BenchmarkKeyUnderLoad: the dashboard's background (latest-builds polls
// and history and deployment sweeps) keeps the budget busy at the default
// share against the simulator on loopback, while a person presses R (the
// trigger read behind the rebuild dialog) and Enter (the first log page).
// It reports how long each waited for its answer.
func BenchmarkKeyUnderLoad(b *testing.B) {
	for _, workers := range []int{23, 2000} {
		b.Run(fmt.Sprintf("%d-workers", workers), func(b *testing.B) {
			s := sim.New(sim.Options{Workers: workers, PushEvery: -1, History: 2, Seed: 3})
			sv, err := s.Listen("127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = sv.Close() })
			c, err := New(s.AccountID(), s.Token(), WithBaseURL(sv.URL)) // the default share and burst
			if err != nil {
				b.Fatal(err)
			}
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			ws, err := c.Workers(ctx)
			if err != nil {
				b.Fatal(err)
			}
			// The background: the first pass and then polls and sweeps, more
			// than the share can carry, as long as the benchmark runs.
			var wg sync.WaitGroup
			for i, prio := range []model.Priority{model.Poll, model.Sweep, model.Sweep, model.Sweep} {
				wg.Go(func() {
					bg := model.WithPriority(ctx, prio)
					for n := i; ctx.Err() == nil; n++ {
						w := ws[n%len(ws)]
						if prio == model.Poll {
							var tags []string
							for k := range 20 {
								tags = append(tags, ws[(n*20+k)%len(ws)].Tag)
							}
							_, _ = c.LatestBuilds(bg, tags)
						} else if n%2 == 0 {
							_, _ = c.WorkerHistory(bg, w, 20)
						} else {
							_, _ = c.Deployments(bg, w.Name)
						}
					}
				})
			}
			for c.Scheduler().Burst() > 0 && c.Usage().Waiting == 0 {
				time.Sleep(10 * time.Millisecond) // until the background queues behind the budget
			}
			b.ResetTimer()
			var rWait, enterWait time.Duration
			for i := range b.N {
				w := ws[i%len(ws)]
				time.Sleep(2 * time.Second) // a person's pace: a key every few seconds, not a loop
				start := time.Now()
				if _, err := c.Triggers(ctx, w); err != nil {
					b.Fatal(err)
				}
				rWait += time.Since(start)
				page, err := c.WorkerBuilds(ctx, w.Tag, 1, 1)
				if err != nil || len(page.Builds) == 0 {
					b.Fatal(err)
				}
				start = time.Now()
				if _, err := c.Log(ctx, page.Builds[0].UUID, ""); err != nil {
					b.Fatal(err)
				}
				enterWait += time.Since(start)
			}
			stop()
			wg.Wait()
			b.ReportMetric(float64(rWait.Microseconds())/1000/float64(b.N), "ms-R")
			b.ReportMetric(float64(enterWait.Microseconds())/1000/float64(b.N), "ms-enter")
			b.ReportMetric(float64(c.Usage().Spent), "requests-sent")
		})
	}
}
