package echoline

import (
	"bufio"
	"strings"
	"testing"
)

func TestExchange(t *testing.T) {
	for _, c := range []struct {
		answer, name string
		err          bool
	}{
		{"d1 7\n", "d1", false},
		{"7\n", "", false},
		{"d1 8\n", "", true},
		{"d1 7 x\n", "", true},
		{"", "", true}, // closed by the peer
		{"d1 7", "", true},
	} {
		var sent strings.Builder
		name, err := Exchange(&sent, bufio.NewReader(strings.NewReader(c.answer)), 7)
		if name != c.name || (err != nil) != c.err || sent.String() != "7\n" {
			t.Errorf("answer %q: %q, %v (sent %q); want %q, error %v", c.answer, name, err, sent.String(), c.name, c.err)
		}
	}
}

func FuzzExchange(f *testing.F) {
	f.Add("d1 7\n")
	f.Add("7\n")
	f.Fuzz(func(t *testing.T, answer string) {
		name, err := Exchange(&strings.Builder{}, bufio.NewReader(strings.NewReader(answer)), 7)
		if err != nil && name != "" {
			t.Fatalf("name %q with error %v", name, err)
		}
	})
}
