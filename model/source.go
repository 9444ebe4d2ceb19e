package model

import "context"

// Source is everything a front end reads and does through the API: the
// dashboard's data source, what api/shared shares among many dashboards
// (and reads from), and what the API client provides. One definition, so
// the client, the shared source and every front end agree on it.
type Source interface {
	Workers(ctx context.Context) ([]Worker, error)
	LatestBuilds(ctx context.Context, tags []string) (map[string]Build, error)
	WorkerHistory(ctx context.Context, w Worker, limit int) ([]Build, error)
	Build(ctx context.Context, uuid string) (Build, error)
	Step(ctx context.Context, t Tail, stopped bool) (TailStep, error)
	ReadLog(ctx context.Context, uuid string) ([]LogLine, error)
	Cancel(ctx context.Context, uuid string) (CancelResult, error)
	Deployments(ctx context.Context, workerName string) ([]Deployment, error)
	BuildsByVersion(ctx context.Context, versionIDs []string) (map[string]Build, error)
	Usage() Budget
	Triggers(ctx context.Context, w Worker) ([]Trigger, error)
	StartBuild(ctx context.Context, triggerUUID, branch, commit string, purge bool) (string, error)
	Health() Health
}
