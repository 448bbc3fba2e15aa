// Package metrics exposes the daemon's figures (VRRP instances, IPVS) to
// Prometheus, read from their status at scrape time, so that the numbers
// a scrape sees are the ones hadirector status prints.
package metrics
