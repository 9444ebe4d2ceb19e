//go:build race

package tui

// raceBuild: the race detector makes every frame ten times dearer; the size
// sweeps then step wider (every layout edge is still in their lists).
const raceBuild = true
