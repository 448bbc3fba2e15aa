// Package nsenter runs a function inside another network namespace, on a
// thread locked for the moment: a socket made there belongs to that
// namespace for good, whichever thread uses it later.
package nsenter

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"
)

// Path is the file of the named namespace, as `ip netns add` makes it.
func Path(name string) string { return "/run/netns/" + name }

// Do runs f with the calling goroutine's thread in the network namespace
// whose file is path (see Path, or /proc/PID/ns/net), then returns the
// thread to its own namespace.
func Do(path string, f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		return fmt.Errorf("this thread's namespace: %w", err)
	}
	defer orig.Close()
	target, err := netns.GetFromPath(path)
	if err != nil {
		return fmt.Errorf("namespace %s: %w", path, err)
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		return fmt.Errorf("entering namespace %s: %w", path, err)
	}
	defer func() {
		// A thread left in the wrong namespace must not go back to the
		// runtime's pool, where any goroutine could run on it.
		if err := netns.Set(orig); err != nil {
			panic("nsenter: cannot return from namespace " + path + ": " + err.Error())
		}
	}()
	return f()
}
