package bgp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/hadirector/hadirector/internal/announce"
)

// MaxLine bounds one message, its newline included.
const MaxLine = 1 << 20

// Op is what a Request asks of the speaker process.
type Op string

// The operations. The first request is always OpStart.
const (
	// OpStart starts the speaker with Request.Config; Request.Watchdog,
	// when not zero, is how long the process waits for the next request
	// before it takes the director for frozen and stops.
	OpStart Op = "start"
	// OpAnnounce and OpWithdraw originate or withdraw the host routes of
	// Request.VIPs, in order; the first failure ends the request.
	OpAnnounce Op = "announce"
	OpWithdraw Op = "withdraw"
	// OpPeers asks for each peer's session (Reply.Peers).
	OpPeers Op = "peers"
	// OpPing is the director's heartbeat.
	OpPing Op = "ping"
)

// Request is one message from the director to the speaker process.
type Request struct {
	ID       uint64        `json:"id"`
	Op       Op            `json:"op"`
	VIPs     []netip.Addr  `json:"vips,omitempty"`
	Config   *Config       `json:"config,omitempty"`
	Watchdog time.Duration `json:"watchdog,omitempty"`
}

// Reply is one message from the speaker process to the director: the
// answer to the request of the same ID, or (ID 0) a log record.
type Reply struct {
	ID    uint64                `json:"id,omitempty"`
	Err   string                `json:"err,omitempty"`
	Peers []announce.PeerStatus `json:"peers,omitempty"`
	Log   *Log                  `json:"log,omitempty"`
}

// Log is a record the speaker process logs through the director.
type Log struct {
	Level slog.Level `json:"level"`
	Msg   string     `json:"msg"`
	// Attrs are key, value, key, value...
	Attrs []string `json:"attrs,omitempty"`
}

// MarshalRequest encodes r as one line, newline included.
func MarshalRequest(r Request) ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	return line(r)
}

// UnmarshalRequest decodes one line (the newline optional) and checks it.
// Fields it does not know are ignored: a director and a speaker of
// neighbouring versions (an upgrade under a running director) still talk.
func UnmarshalRequest(b []byte) (Request, error) {
	var r Request
	if err := decode(b, &r); err != nil {
		return Request{}, err
	}
	return r, r.check()
}

// MarshalReply encodes r as one line, newline included.
func MarshalReply(r Reply) ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	return line(r)
}

// UnmarshalReply decodes one line (the newline optional) and checks it.
func UnmarshalReply(b []byte) (Reply, error) {
	var r Reply
	if err := decode(b, &r); err != nil {
		return Reply{}, err
	}
	return r, r.check()
}

func (r Request) check() error {
	if r.ID == 0 {
		return errors.New("bgp: request without an id")
	}
	if r.Watchdog < 0 || (r.Watchdog != 0 && r.Op != OpStart) {
		return fmt.Errorf("bgp: request %d: watchdog %v", r.ID, r.Watchdog)
	}
	if (r.Config != nil) != (r.Op == OpStart) {
		return fmt.Errorf("bgp: request %d: %q with a config: only %q has one, always", r.ID, r.Op, OpStart)
	}
	switch r.Op {
	case OpAnnounce, OpWithdraw:
		if len(r.VIPs) == 0 {
			return fmt.Errorf("bgp: request %d: %s of no VIP", r.ID, r.Op)
		}
		for _, v := range r.VIPs {
			if !v.IsValid() || v.Zone() != "" {
				return fmt.Errorf("bgp: request %d: %s of %q: not a VIP", r.ID, r.Op, v)
			}
		}
		return nil
	case OpStart, OpPeers, OpPing:
		if len(r.VIPs) != 0 {
			return fmt.Errorf("bgp: request %d: %s takes no VIPs", r.ID, r.Op)
		}
		return nil
	}
	return fmt.Errorf("bgp: request %d: unknown op %q", r.ID, r.Op)
}

func (r Reply) check() error {
	if (r.ID == 0) == (r.Log == nil) {
		return errors.New("bgp: a reply is either an answer (id) or a log record")
	}
	if r.Log != nil && (r.Err != "" || r.Peers != nil || len(r.Log.Attrs)%2 != 0) {
		return errors.New("bgp: malformed log record")
	}
	return nil
}

// line is v's JSON and a newline; HTML characters stay as they are.
func line(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("bgp: encode: %w", err)
	}
	if buf.Len() > MaxLine {
		return nil, fmt.Errorf("bgp: message of %d bytes, over %d", buf.Len(), MaxLine)
	}
	return buf.Bytes(), nil
}

// decode reads exactly one JSON object from b.
func decode(b []byte, v any) error {
	if len(b) > MaxLine {
		return fmt.Errorf("bgp: message of %d bytes, over %d", len(b), MaxLine)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	if len(b) == 0 || b[0] != '{' {
		return errors.New("bgp: a message is one JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bgp: decode: %w", err)
	}
	if rest := bytes.TrimSpace(b[dec.InputOffset():]); len(rest) > 0 {
		return errors.New("bgp: more than one JSON value on a line")
	}
	return nil
}
