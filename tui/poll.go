package tui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
)

// Commands: each captures the values it needs, never the model, and answers
// with a message that says what it answers.

// callTimeout bounds one command: a hanging server cannot wedge a kind of poll.
const callTimeout = 45 * time.Second

func fetchWorkers(life context.Context, src model.Source, seq int, known map[string]bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(life, callTimeout)
		defer cancel()
		ws, err := src.Workers(ctx)
		return workersMsg{seq: seq, workers: ws, err: err, known: known}
	}
}

func fetchLatest(life context.Context, src model.Source, seq int, tags []string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(model.WithPriority(life, model.Poll), callTimeout)
		defer cancel()
		bs, err := src.LatestBuilds(ctx, tags)
		return latestMsg{seq: seq, builds: bs, err: err}
	}
}

// historyPerPage is how many of a Worker's builds the list keeps.
const historyPerPage = 20

func fetchHistory(life context.Context, src model.Source, seq int, w model.Worker) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(model.WithPriority(life, model.Sweep), callTimeout)
		defer cancel()
		bs, err := src.WorkerHistory(ctx, w, historyPerPage)
		return historyMsg{tag: w.Tag, seq: seq, builds: bs, err: err}
	}
}

// fetchSelected polls the selected build (when it may still be running and
// the latest-builds poll does not already keep it fresh) and steps its log
// tail. ctx is the selection's: moving on cancels it; its priority says
// whether someone waits for a first page or the tail goes on.
func fetchSelected(ctx context.Context, src model.Source, seq int, tail model.Tail, knownStopped, fresh bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		msg := selectedMsg{uuid: tail.UUID, seq: seq}
		stopped := knownStopped
		if !knownStopped && !fresh {
			b, err := src.Build(ctx, tail.UUID)
			if err != nil {
				msg.err = err
				msg.step = model.TailStep{Tail: tail}
				return msg
			}
			msg.build, msg.hasB = b, true
			stopped = b.Finished()
		}
		msg.step, msg.err = src.Step(ctx, tail, stopped)
		return msg
	}
}

func cancelBuild(life context.Context, src model.Source, uuid string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(life, callTimeout)
		defer cancel()
		res, err := src.Cancel(ctx, uuid)
		return cancelMsg{uuid: uuid, res: res, err: err}
	}
}

// lifeTimer delivers msg after d, or nothing once life ends: a dashboard
// that ended (an SSH session that closed) leaves no timer behind. Tests swap
// in a virtual clock.
func lifeTimer(life context.Context) timerFunc {
	return func(d time.Duration, msg tea.Msg) tea.Cmd {
		return func() tea.Msg {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return msg
			case <-life.Done():
				return nil
			}
		}
	}
}

// errorText is a one-line description of an error for the status bar.
func errorText(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the API did not answer in time"
	}
	return model.SanitizeInline(err.Error())
}
