package pcapfile

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// build writes a classic pcap stream by hand, independently of Read.
func build(order binary.ByteOrder, nanos bool, linkType uint32, frames ...Frame) []byte {
	var b bytes.Buffer
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	w := func(v any) { binary.Write(&b, order, v) }
	w(magic)
	w(uint16(2))
	w(uint16(4))
	w(int32(0))
	w(uint32(0))
	w(uint32(65535))
	w(linkType)
	for _, f := range frames {
		w(uint32(f.Time.Unix()))
		if nanos {
			w(uint32(f.Time.Nanosecond()))
		} else {
			w(uint32(f.Time.Nanosecond() / 1000))
		}
		w(uint32(len(f.Data)))
		w(uint32(f.OrigLen))
		b.Write(f.Data)
	}
	return b.Bytes()
}

func TestReadFormats(t *testing.T) {
	t1 := time.Date(2026, 11, 24, 21, 58, 37, 123456789, time.UTC)
	in := []Frame{
		{Time: t1, Data: []byte{1, 2, 3}, OrigLen: 3},
		{Time: t1.Add(time.Second), Data: []byte{4, 5}, OrigLen: 60},
		{Time: t1.Add(2 * time.Second), Data: []byte{}, OrigLen: 0},
	}
	for _, tc := range []struct {
		name  string
		order binary.ByteOrder
		nanos bool
	}{
		{"little-endian micro", binary.LittleEndian, false},
		{"big-endian micro", binary.BigEndian, false},
		{"little-endian nano", binary.LittleEndian, true},
		{"big-endian nano", binary.BigEndian, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(bytes.NewReader(build(tc.order, tc.nanos, LinkTypeEthernet, in...)))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(in) {
				t.Fatalf("got %d frames, want %d", len(got), len(in))
			}
			for i := range in {
				want := in[i].Time
				if !tc.nanos {
					want = want.Truncate(time.Microsecond)
				}
				if !got[i].Time.Equal(want) {
					t.Errorf("frame %d: time %v, want %v", i, got[i].Time, want)
				}
				if !bytes.Equal(got[i].Data, in[i].Data) || got[i].OrigLen != in[i].OrigLen {
					t.Errorf("frame %d: data %x orig %d, want %x orig %d", i, got[i].Data, got[i].OrigLen, in[i].Data, in[i].OrigLen)
				}
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	good := build(binary.LittleEndian, false, LinkTypeEthernet, Frame{Data: []byte{1, 2, 3, 4}, OrigLen: 4})
	oversize := bytes.Clone(good)
	binary.LittleEndian.PutUint32(oversize[24+8:], maxRecordLen+1)
	badVersion := bytes.Clone(good)
	binary.LittleEndian.PutUint16(badVersion[4:], 1)
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "file header"},
		{"short header", good[:10], "file header"},
		{"bad magic", append([]byte{0x0a, 0x0d, 0x0d, 0x0a}, good[4:]...), "bad magic"},
		{"bad version", badVersion, "unsupported version"},
		{"linux cooked", build(binary.LittleEndian, false, 113), "link type 113"},
		{"short record header", good[:24+7], "record 1 header"},
		{"short record data", good[:len(good)-1], "record 1 data"},
		{"oversize record", oversize, "exceeds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReadFileKeepalived(t *testing.T) {
	frames, err := ReadFile(filepath.Join("..", "..", "vrrp", "testdata", "vrrp_v2_basic.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 5 {
		t.Fatalf("got %d frames, want 5", len(frames))
	}
	want0 := time.Date(2026, 11, 24, 21, 58, 36, 966493000, time.UTC)
	if !frames[0].Time.Equal(want0) {
		t.Errorf("first frame at %v, want %v", frames[0].Time, want0)
	}
	for i, f := range frames {
		if len(f.Data) != 54 || f.OrigLen != 54 {
			t.Errorf("frame %d: %d bytes captured, %d on wire; want 54", i, len(f.Data), f.OrigLen)
		}
		ip, err := f.IPv4()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if ip.Src != netip.MustParseAddr("192.0.2.11") || ip.Dst != netip.MustParseAddr("224.0.0.18") ||
			ip.TTL != 255 || ip.TOS != 0xc0 || ip.Protocol != 112 || len(ip.Header) != 20 || len(ip.Payload) != 20 {
			t.Errorf("frame %d: %+v", i, ip)
		}
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.pcap")); !os.IsNotExist(err) {
		t.Errorf("missing file: error %v, want not-exist", err)
	}
}

// ipv4Frame builds an Ethernet frame carrying an IPv4 header with the given fields and payload.
func ipv4Frame(vlan bool, ihl int, total int, payload []byte, pad int) []byte {
	var b []byte
	b = append(b, 0x01, 0x00, 0x5e, 0, 0, 0x12, 0x02, 0, 0, 0, 0, 0x11)
	if vlan {
		b = append(b, 0x81, 0x00, 0x00, 0x05)
	}
	b = append(b, 0x08, 0x00)
	h := make([]byte, ihl)
	h[0] = 0x40 | byte(ihl/4)
	h[1] = 0xc0
	binary.BigEndian.PutUint16(h[2:], uint16(total))
	h[8], h[9] = 255, 112
	copy(h[12:], []byte{192, 0, 2, 11, 224, 0, 0, 18})
	b = append(b, h...)
	b = append(b, payload...)
	return append(b, make([]byte, pad)...)
}

func TestIPv4(t *testing.T) {
	payload := []byte{0x21, 0x33, 0x96, 0x01}
	for _, tc := range []struct {
		name    string
		data    []byte
		wantErr string
		wantHdr int
	}{
		{name: "plain", data: ipv4Frame(false, 20, 24, payload, 0), wantHdr: 20},
		{name: "padding dropped", data: ipv4Frame(false, 20, 24, payload, 22), wantHdr: 20},
		{name: "802.1Q", data: ipv4Frame(true, 20, 24, payload, 0), wantHdr: 20},
		{name: "options", data: ipv4Frame(false, 24, 28, payload, 0), wantHdr: 24},
		{name: "short ethernet", data: make([]byte, 13), wantErr: "shorter than the header"},
		{name: "short vlan", data: ipv4Frame(true, 20, 24, payload, 0)[:16], wantErr: "802.1Q"},
		{name: "arp", data: append(make([]byte, 12), 0x08, 0x06), wantErr: "not IPv4"},
		{name: "short ip", data: ipv4Frame(false, 20, 24, payload, 0)[:30], wantErr: "shorter than the header"},
		{name: "version 6", data: func() []byte { b := ipv4Frame(false, 20, 24, payload, 0); b[14] = 0x65; return b }(), wantErr: "version 6"},
		{name: "ihl too small", data: func() []byte { b := ipv4Frame(false, 20, 24, payload, 0); b[14] = 0x44; return b }(), wantErr: "header length 16"},
		{name: "total beyond capture", data: ipv4Frame(false, 20, 40, payload, 0), wantErr: "total length 40"},
		{name: "total inside header", data: ipv4Frame(false, 20, 12, payload, 0), wantErr: "total length 12"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ip, err := Frame{Data: tc.data}.IPv4()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ip.Payload, payload) || len(ip.Header) != tc.wantHdr {
				t.Errorf("payload %x header %d bytes, want %x and %d", ip.Payload, len(ip.Header), payload, tc.wantHdr)
			}
			if ip.Src.String() != "192.0.2.11" || ip.Dst.String() != "224.0.0.18" || ip.TTL != 255 || ip.TOS != 0xc0 || ip.Protocol != 112 {
				t.Errorf("fields %+v", ip)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "vrrp", "testdata", "*.pcap"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(build(binary.BigEndian, true, LinkTypeEthernet, Frame{Data: ipv4Frame(true, 24, 28, []byte{1, 2, 3, 4}, 3)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		frames, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, fr := range frames {
			ip, err := fr.IPv4()
			if err != nil {
				continue
			}
			if len(ip.Header) < ipv4MinHeader || len(ip.Header)+len(ip.Payload) > len(fr.Data) {
				t.Fatalf("header %d + payload %d bytes from a %d-byte frame", len(ip.Header), len(ip.Payload), len(fr.Data))
			}
		}
	})
}
