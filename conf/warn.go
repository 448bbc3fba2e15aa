package conf

import (
	"fmt"
	"os"
)

// Warnings lists what a valid configuration sets to no effect, each as
// FILE:LINE: KEY: message (the file is read again for the lines, only when
// there is something to say). Load accepts such a file all the same.
//
// An address owner (priority 255) always preempts, at once: RFC 5798 6.1
// gives it no choice, and keepalived clears nopreempt at 255 too. Its
// preempt = false and preempt_delay are ignored.
func Warnings(c *Config) []*Error {
	var out []*Error
	var kl keyLines
	add := func(key, msg string) {
		if kl == nil {
			data, _ := os.ReadFile(c.File) // no lines is no reason to stay silent
			kl = scanLines(string(data))
		}
		out = append(out, &Error{File: c.File, Line: kl.line(key), Key: key, Msg: msg})
	}
	for k, in := range c.Instances {
		if in.Priority != 255 {
			continue
		}
		p := fmt.Sprintf("instance[%d]", k)
		if !in.Preempt {
			add(p+".preempt", "ignored: priority 255 owns the addresses and always preempts (RFC 5798 6.1)")
		}
		if in.PreemptDelay > 0 {
			add(p+".preempt_delay", "ignored: priority 255 owns the addresses and preempts at once (RFC 5798 6.1)")
		}
	}
	return out
}
