package vrrp

import (
	"testing"
	"unsafe"
)

// An instance fits the runtime's 768-byte size class: a director runs up
// to a thousand, and the next class up is 896 bytes (bench/cost's RSS per
// instance). Adding a field that crosses it should be a choice: move a
// cold field out of line, or raise this bound and say why.
func TestInstanceSize(t *testing.T) {
	if n := unsafe.Sizeof(Instance{}); n > 768 {
		t.Errorf("Instance is %d bytes, over the 768-byte size class", n)
	}
}

// What an instance keeps of each speaker it hears fits 64 bytes (a
// Speaker takes 112).
func TestHeardFromSize(t *testing.T) {
	if n := unsafe.Sizeof(heardFrom{}); n > 64 {
		t.Errorf("heardFrom is %d bytes, over 64", n)
	}
}

// An instance's last transition, kept for status, fits 48 bytes (a
// Transition takes 128, and its master's address string 16 more).
func TestLastTransitionSize(t *testing.T) {
	if n := unsafe.Sizeof(lastTransition{}); n > 48 {
		t.Errorf("lastTransition is %d bytes, over 48", n)
	}
}
