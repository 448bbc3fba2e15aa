package garp

import (
	"encoding/binary"
	"net"
)

// frameLen is a gratuitous ARP's Ethernet frame: the 14-byte header, the
// 28-byte ARP request, and zeros to Ethernet's 60-byte minimum, as
// mdlayher/ethernet pads it.
const frameLen = 60

// putFrame writes into f the frame that carries Packet(mac, vip) to the
// Ethernet broadcast address, byte for byte what arp.Client sends, without
// allocating: a director announces a thousand VIPs at once, five times.
// mac is 6 bytes.
func putFrame(f *[frameLen]byte, mac net.HardwareAddr, vip [4]byte) {
	*f = [frameLen]byte{}
	copy(f[0:6], broadcast[:])
	copy(f[6:12], mac)
	binary.BigEndian.PutUint16(f[12:14], 0x0806) // ARP
	a := f[14:]
	binary.BigEndian.PutUint16(a[0:2], 1)      // hardware: Ethernet
	binary.BigEndian.PutUint16(a[2:4], 0x0800) // protocol: IPv4
	a[4], a[5] = 6, 4                          // address lengths
	binary.BigEndian.PutUint16(a[6:8], 1)      // request
	copy(a[8:14], mac)                         // sender: us, the VIP
	copy(a[14:18], vip[:])
	copy(a[18:24], broadcast[:]) // target: broadcast, the VIP
	copy(a[24:28], vip[:])
}

var broadcast = [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
