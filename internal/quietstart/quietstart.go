// Package quietstart keeps the program from asking the terminal its
// background colour as it starts. bubbletea's package init asks lipgloss
// (lipgloss.HasDarkBackground), and lipgloss asks the terminal and waits up
// to 5 s for an answer that a silent terminal never sends, before main runs
// and so before any signal handler: a first frame 5 s late, and a terminal
// left raw by a ctrl+c in that window (#35.11).
//
// Go initialises packages in import-path order as their imports allow
// (the spec, since Go 1.21): this package imports lipgloss and not
// bubbletea, and github.com/cfbuilds sorts before github.com/charmbracelet,
// so its init runs after lipgloss's and before bubbletea's. It tells
// lipgloss's default renderer a background, so nothing is asked; the
// dashboard then asks once itself, briefly and interruptibly
// (tui.DetectBackground), and sets the answer (internal/cli).
package quietstart

import "github.com/charmbracelet/lipgloss"

func init() {
	lipgloss.SetHasDarkBackground(true) // dark: the common case, until the dashboard asks
}
