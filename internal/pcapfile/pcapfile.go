// Package pcapfile reads classic libpcap capture files of Ethernet frames, so tests can
// replay wire vectors recorded with tcpdump.
package pcapfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// LinkTypeEthernet is the pcap link type of Ethernet (DLT_EN10MB), the only one Read accepts.
const LinkTypeEthernet = 1

const (
	fileHeaderLen   = 24
	recordHeaderLen = 16
	// maxRecordLen bounds a record so a corrupt length cannot make Read allocate gigabytes.
	maxRecordLen = 1 << 18
)

// Frame is one captured link-layer frame.
type Frame struct {
	Time    time.Time
	Data    []byte // the captured bytes (possibly fewer than OrigLen if the capture was snapped)
	OrigLen int    // the frame's length on the wire
}

// ReadFile reads every frame of the pcap file at path.
func ReadFile(path string) ([]Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	frames, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return frames, nil
}

// Read reads a whole classic pcap stream: either byte order, microsecond or nanosecond
// timestamps, Ethernet link type only.
func Read(r io.Reader) ([]Frame, error) {
	var hdr [fileHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("pcap: file header: %w", err)
	}
	var (
		order binary.ByteOrder
		nanos bool
	)
	switch magic := binary.LittleEndian.Uint32(hdr[0:4]); magic {
	case 0xa1b2c3d4:
		order = binary.LittleEndian
	case 0xa1b23c4d:
		order, nanos = binary.LittleEndian, true
	case 0xd4c3b2a1:
		order = binary.BigEndian
	case 0x4d3cb2a1:
		order, nanos = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("pcap: bad magic %#08x (pcapng is not supported)", magic)
	}
	if major := order.Uint16(hdr[4:6]); major != 2 {
		return nil, fmt.Errorf("pcap: unsupported version %d.%d", major, order.Uint16(hdr[6:8]))
	}
	// The upper bits of the link type field may carry FCS information; the type is the low 28 bits.
	if lt := order.Uint32(hdr[20:24]) & 0x0fffffff; lt != LinkTypeEthernet {
		return nil, fmt.Errorf("pcap: link type %d, want %d (Ethernet)", lt, LinkTypeEthernet)
	}

	var frames []Frame
	for n := 1; ; n++ {
		var rec [recordHeaderLen]byte
		_, err := io.ReadFull(r, rec[:])
		if errors.Is(err, io.EOF) {
			return frames, nil
		}
		if err != nil {
			return nil, fmt.Errorf("pcap: record %d header: %w", n, err)
		}
		sec, frac := order.Uint32(rec[0:4]), order.Uint32(rec[4:8])
		inclLen, origLen := order.Uint32(rec[8:12]), order.Uint32(rec[12:16])
		if inclLen > maxRecordLen {
			return nil, fmt.Errorf("pcap: record %d: captured length %d exceeds %d", n, inclLen, maxRecordLen)
		}
		data := make([]byte, inclLen)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("pcap: record %d data (%d bytes): %w", n, inclLen, err)
		}
		nsec := int64(frac) * 1000
		if nanos {
			nsec = int64(frac)
		}
		frames = append(frames, Frame{
			Time:    time.Unix(int64(sec), nsec).UTC(),
			Data:    data,
			OrigLen: int(origLen),
		})
	}
}
