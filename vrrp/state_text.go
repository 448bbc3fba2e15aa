package vrrp

import "fmt"

// MarshalText is the state's name, as String gives it.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's name.
func (s *State) UnmarshalText(b []byte) error {
	for _, c := range []State{Initialize, Backup, Master, Fault} {
		if string(b) == c.String() {
			*s = c
			return nil
		}
	}
	return fmt.Errorf("vrrp: %q is not a state", b)
}
