// Package echoline is the line protocol of long-lived test streams: the
// client sends a sequence number as a line, the server echoes it as
// "NAME SEQ" (or bare "SEQ"), so that the client sees which server
// answered. The BGP drill and the guest's connection probe speak it.
package echoline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Exchange sends seq as a line and returns the name the answer "NAME SEQ"
// carries; an answer "SEQ" names no one ("").
func Exchange(c io.Writer, r *bufio.Reader, seq int) (string, error) {
	if _, err := fmt.Fprintf(c, "%d\n", seq); err != nil {
		return "", err
	}
	line, err := r.ReadString('\n')
	if err == io.EOF {
		err = errors.New("closed by the peer")
	}
	if err != nil {
		return "", err
	}
	f, want := strings.Fields(line), strconv.Itoa(seq)
	switch {
	case len(f) == 1 && f[0] == want:
		return "", nil
	case len(f) == 2 && f[1] == want:
		return f[0], nil
	}
	return "", fmt.Errorf("answer %q to %d", strings.TrimSpace(line), seq)
}
