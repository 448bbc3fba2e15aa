// Package integration holds hadirector's end-to-end tests: they build labs of
// network namespaces (see internal/netlab) and drive the real binary in them.
// They run only as root with HADIRECTOR_LAB=1 (the README's test command).
package integration
