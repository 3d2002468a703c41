//go:build !linux

package watch

func onLinux() bool { return false }
