package ipvs

import (
	"fmt"
	"syscall"
	"time"

	"github.com/moby/ipvs"
)

// The write path's wire format: the requests that add, change and delete
// services and real servers and that read and set the connection
// timeouts, laid out as include/uapi/linux/ip_vs.h says and as the
// kernel's ip_vs_genl_parse_service and ip_vs_genl_parse_dest read them.
// Pure functions on byte slices; the socket is in genl_linux.go.

const (
	cmdNewService = 1  // IPVS_CMD_NEW_SERVICE
	cmdSetService = 2  // IPVS_CMD_SET_SERVICE
	cmdDelService = 3  // IPVS_CMD_DEL_SERVICE
	cmdNewDest    = 5  // IPVS_CMD_NEW_DEST
	cmdSetDest    = 6  // IPVS_CMD_SET_DEST
	cmdDelDest    = 7  // IPVS_CMD_DEL_DEST
	cmdSetConfig  = 12 // IPVS_CMD_SET_CONFIG
	cmdGetConfig  = 13 // IPVS_CMD_GET_CONFIG

	cmdAttrTimeoutTCP    = 4 // u32 seconds
	cmdAttrTimeoutTCPFin = 5 // u32 seconds
	cmdAttrTimeoutUDP    = 6 // u32 seconds

	nlmFAck = 0x4 // NLM_F_ACK: the kernel answers every request, 0 or an errno
)

// marshalWrite appends the acknowledged request cmd (add, change or delete
// a service or a real server) on svc and, for the real server commands, d.
// The kernel wants every attribute of the object a command adds or
// changes, and only the key (the service's, and the real server's address
// and port) of one it deletes or that names the service of a real server.
func marshalWrite(b []byte, family uint16, seq uint32, cmd uint8, svc *ipvs.Service, d *ipvs.Destination) []byte {
	start := len(b)
	b = appendRequest(b, family, nlmFRequest|nlmFAck, seq, cmd)
	at := len(b)
	b = beginNested(b, cmdAttrService)
	b = appendServiceKey(b, svc)
	if cmd == cmdNewService || cmd == cmdSetService {
		b = appendService(b, svc)
	}
	b = endNested(b, at)
	if d != nil {
		at = len(b)
		b = beginNested(b, cmdAttrDest)
		b = appendDest(b, d, cmd == cmdNewDest || cmd == cmdSetDest)
		b = endNested(b, at)
	}
	return endMessage(b, start)
}

// appendService appends what a service is beside its key: scheduler,
// persistence engine, flags (all of them: the mask is all ones), timeout
// and netmask (raw, as toMoby keeps it).
func appendService(b []byte, svc *ipvs.Service) []byte {
	b = appendAttr(b, svcAttrSched, append([]byte(svc.SchedName), 0))
	if svc.PEName != "" {
		b = appendAttr(b, svcAttrPEName, append([]byte(svc.PEName), 0))
	}
	var flags [8]byte // struct ip_vs_flags {flags, mask}
	ne.PutUint32(flags[:], svc.Flags)
	ne.PutUint32(flags[4:], ^uint32(0))
	b = appendAttr(b, svcAttrFlags, flags[:])
	b = appendU32(b, svcAttrTimeout, svc.Timeout)
	return appendU32(b, svcAttrNetmask, svc.Netmask)
}

// appendDest appends a real server's address and port and, if full, its
// forwarding method, weight and thresholds. Like moby/ipvs it sends no
// address family: the kernel takes the service's (Normalize refuses a
// real server of another family).
func appendDest(b []byte, d *ipvs.Destination, full bool) []byte {
	b = appendInetAddr(b, dstAttrAddr, d.Address, d.AddressFamily == syscall.AF_INET6)
	b = appendPort(b, dstAttrPort, d.Port)
	if !full {
		return b
	}
	b = appendU32(b, dstAttrFwd, d.ConnectionFlags&ipvs.ConnectionFlagFwdMask)
	b = appendU32(b, dstAttrWeight, uint32(d.Weight))
	b = appendU32(b, dstAttrUThresh, d.UpperThreshold)
	return appendU32(b, dstAttrLThresh, d.LowerThreshold)
}

// marshalSetConfig appends the acknowledged request that sets the
// connection timeouts, in whole seconds; the kernel leaves one that is
// zero unchanged.
func marshalSetConfig(b []byte, family uint16, seq uint32, c *ipvs.Config) []byte {
	start := len(b)
	b = appendRequest(b, family, nlmFRequest|nlmFAck, seq, cmdSetConfig)
	b = appendU32(b, cmdAttrTimeoutTCP, uint32(c.TimeoutTCP/time.Second))
	b = appendU32(b, cmdAttrTimeoutTCPFin, uint32(c.TimeoutTCPFin/time.Second))
	b = appendU32(b, cmdAttrTimeoutUDP, uint32(c.TimeoutUDP/time.Second))
	return endMessage(b, start)
}

// marshalGetConfig appends the request for the connection timeouts. It
// asks no acknowledgement: the reply is the answer, an error the refusal.
func marshalGetConfig(b []byte, family uint16, seq uint32) []byte {
	start := len(b)
	b = appendRequest(b, family, nlmFRequest, seq, cmdGetConfig)
	return endMessage(b, start)
}

// unmarshalConfig decodes the attributes of a GET_CONFIG reply.
func unmarshalConfig(attrs []byte) (*ipvs.Config, error) {
	c := &ipvs.Config{}
	err := walkAttrs(attrs, func(t uint16, v []byte) error {
		var d *time.Duration
		switch t {
		case cmdAttrTimeoutTCP:
			d = &c.TimeoutTCP
		case cmdAttrTimeoutTCPFin:
			d = &c.TimeoutTCPFin
		case cmdAttrTimeoutUDP:
			d = &c.TimeoutUDP
		default:
			return nil
		}
		s, err := attrU32(v)
		*d = time.Duration(s) * time.Second
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ipvs netlink: configuration: %w", err)
	}
	return c, nil
}
