// Package guest boots Debian's kernel in a small qemu guest (TCG) with a
// generated initramfs, runs a script or a Go test binary there and returns
// what the guest printed on its serial console. It exists because the host
// kernel has no IPVS: the IPVS and sync tests run against the guest's.
// Only the integration tests and the benchmarks (bench/ipvs, bench/sync)
// import it, never the product.
package guest
