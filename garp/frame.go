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
	putRequest(f, mac, vip, broadcast, vip)
}

// putRequestFrame writes into f a plain ARP request, broadcast: who has
// target, tell sender (at mac), with the target's hardware address zero,
// as the kernel asks.
func putRequestFrame(f *[frameLen]byte, mac net.HardwareAddr, sender, target [4]byte) {
	putRequest(f, mac, sender, [6]byte{}, target)
}

// putRequest writes an ARP request from mac and sender for target (tmac
// its target hardware address) into f, padded, to the broadcast address.
func putRequest(f *[frameLen]byte, mac net.HardwareAddr, sender [4]byte, tmac [6]byte, target [4]byte) {
	*f = [frameLen]byte{}
	copy(f[0:6], broadcast[:])
	copy(f[6:12], mac)
	binary.BigEndian.PutUint16(f[12:14], 0x0806) // ARP
	a := f[14:]
	binary.BigEndian.PutUint16(a[0:2], 1)      // hardware: Ethernet
	binary.BigEndian.PutUint16(a[2:4], 0x0800) // protocol: IPv4
	a[4], a[5] = 6, 4                          // address lengths
	binary.BigEndian.PutUint16(a[6:8], 1)      // request
	copy(a[8:14], mac)
	copy(a[14:18], sender[:])
	copy(a[18:24], tmac[:])
	copy(a[24:28], target[:])
}

var broadcast = [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
