// Command floor is the smallest Go daemon: it waits for SIGTERM and exits.
// bench/rss measures its resident memory as the Go runtime's floor.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	<-c
}
