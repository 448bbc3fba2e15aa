// Package ipvs programs the kernel's IP Virtual Server table from hadirector's
// desired state, health-checks real servers, and prints the table as ipvsadm does.
package ipvs
