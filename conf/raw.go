package conf

// The file as decoded, before checks. Pointers mark optional keys, so that a
// default is told apart from a value given as zero.

type rawFile struct {
	Global   rawGlobal     `toml:"global"`
	Instance []rawInstance `toml:"instance"`
	IPVS     rawIPVS       `toml:"ipvs"`
	Service  []rawService  `toml:"service"`
	Sync     *rawSync      `toml:"sync"`
	Group    []rawGroup    `toml:"sync_group"`
	BGP      *rawBGP       `toml:"bgp"`
}

type rawBGP struct {
	ASN           *int64       `toml:"asn"`
	RouterID      *string      `toml:"router_id"`
	Communities   []string     `toml:"communities"`
	NextHop       *string      `toml:"next_hop"`
	NextHop6      *string      `toml:"next_hop6"`
	AnnounceDelay *string      `toml:"announce_delay"`
	DrainTime     *string      `toml:"drain_time"`
	Peer          []rawBGPPeer `toml:"peer"`
}

type rawBGPPeer struct {
	Address       *string `toml:"address"`
	ASN           *int64  `toml:"asn"`
	Port          *int64  `toml:"port"`
	LocalAddress  *string `toml:"local_address"`
	Password      *string `toml:"password"`
	HoldTime      *string `toml:"hold_time"`
	Multihop      *int64  `toml:"multihop"`
	BFD           *bool   `toml:"bfd"`
	BFDMinTx      *string `toml:"bfd_min_tx"`
	BFDMinRx      *string `toml:"bfd_min_rx"`
	BFDMultiplier *int64  `toml:"bfd_multiplier"`
}

type rawGroup struct {
	Name          *string  `toml:"name"`
	Instances     []string `toml:"instances"`
	Notify        []string `toml:"notify"`
	NotifyMaster  []string `toml:"notify_master"`
	NotifyBackup  []string `toml:"notify_backup"`
	NotifyFault   []string `toml:"notify_fault"`
	NotifyStop    []string `toml:"notify_stop"`
	NotifyTimeout *string  `toml:"notify_timeout"`
}

type rawSync struct {
	Instance      *string `toml:"instance"`
	Interface     *string `toml:"interface"`
	SyncID        *int64  `toml:"sync_id"`
	Mode          *string `toml:"mode"`
	Group         *string `toml:"group"`
	Port          *int64  `toml:"port"`
	TTL           *int64  `toml:"ttl"`
	MaxLen        *int64  `toml:"max_len"`
	FailbackHold  *bool   `toml:"failback_hold"`
	FailbackQuiet *string `toml:"failback_quiet"`
	FailbackMax   *string `toml:"failback_max"`
}

type rawGlobal struct {
	LogLevel           *string `toml:"log_level"`
	MetricsAddress     *string `toml:"metrics_address"`
	NotifyFIFO         *string `toml:"notify_fifo"`
	StartupDelay       *string `toml:"startup_delay"`
	StartupWaitTraffic *bool   `toml:"startup_wait_traffic"`
	StartupWaitMax     *string `toml:"startup_wait_max"`
}

type rawInstance struct {
	Name           *string    `toml:"name"`
	Mode           *string    `toml:"mode"`
	MinUp          *int64     `toml:"min_up"`
	Interface      *string    `toml:"interface"`
	VRID           *int64     `toml:"vrid"`
	Priority       *int64     `toml:"priority"`
	Version        *int64     `toml:"version"`
	AdvertInterval *string    `toml:"advert_interval"`
	VIPs           []string   `toml:"vips"`
	UseVMAC        *bool      `toml:"use_vmac"`
	NARouter       []string   `toml:"na_router"`
	Preempt        *bool      `toml:"preempt"`
	PreemptDelay   *string    `toml:"preempt_delay"`
	UnicastPeers   []string   `toml:"unicast_peers"`
	UnicastPeer    []rawPeer  `toml:"unicast_peer"`
	V3ChecksumAsV2 *bool      `toml:"v3_checksum_as_v2"`
	UnicastSrc     *string    `toml:"unicast_src"`
	Password       *string    `toml:"password"`
	GARP           rawGARP    `toml:"garp"`
	Notify         []string   `toml:"notify"`
	NotifyMaster   []string   `toml:"notify_master"`
	NotifyBackup   []string   `toml:"notify_backup"`
	NotifyStop     []string   `toml:"notify_stop"`
	NotifyFault    []string   `toml:"notify_fault"`
	NotifyTimeout  *string    `toml:"notify_timeout"`
	TrackInterface []rawTrack `toml:"track_interface"`
	TrackScript    []rawTrack `toml:"track_script"`
	TrackFile      []rawTrack `toml:"track_file"`
}

// rawPeer is one [[instance.unicast_peer]]: a peer with its TTL range.
type rawPeer struct {
	Address *string `toml:"address"`
	MinTTL  *int64  `toml:"min_ttl"`
	MaxTTL  *int64  `toml:"max_ttl"`
}

// rawTrack is any of the three track tables; build checks which keys each
// kind takes.
type rawTrack struct {
	Interface *string  `toml:"interface"`
	Command   []string `toml:"command"`
	Path      *string  `toml:"path"`
	Interval  *string  `toml:"interval"`
	Timeout   *string  `toml:"timeout"`
	Rise      *int64   `toml:"rise"`
	Fall      *int64   `toml:"fall"`
	Weight    *int64   `toml:"weight"`
}

type rawGARP struct {
	Count       *int64  `toml:"count"`
	Spacing     *string `toml:"spacing"`
	RepeatDelay *string `toml:"repeat_delay"`
	Refresh     *string `toml:"refresh"`
}

type rawIPVS struct {
	TCPTimeout    *string `toml:"tcp_timeout"`
	TCPFinTimeout *string `toml:"tcpfin_timeout"`
	UDPTimeout    *string `toml:"udp_timeout"`
	Resync        *string `toml:"resync"`
	SloppyTCP     *bool   `toml:"sloppy_tcp"`
	SloppySCTP    *bool   `toml:"sloppy_sctp"`
}

type rawService struct {
	Address            *string   `toml:"address"`
	Protocol           *string   `toml:"protocol"`
	FWMark             *int64    `toml:"fwmark"`
	Scheduler          *string   `toml:"scheduler"`
	SchedulerFlags     []string  `toml:"scheduler_flags"`
	Persistent         *bool     `toml:"persistent"`
	PersistenceTimeout *string   `toml:"persistence_timeout"`
	PersistenceNetmask *int64    `toml:"persistence_netmask"`
	Quiescent          *bool     `toml:"quiescent"`
	SorryServer        *string   `toml:"sorry_server"`
	SorryForward       *string   `toml:"sorry_forward"`
	Check              *rawCheck `toml:"check"`
	Real               []rawReal `toml:"real"`
}

type rawReal struct {
	Address *string   `toml:"address"`
	Forward *string   `toml:"forward"`
	Weight  *int64    `toml:"weight"`
	Check   *rawCheck `toml:"check"`
}

type rawCheck struct {
	Type       *string  `toml:"type"`
	Interval   *string  `toml:"interval"`
	Timeout    *string  `toml:"timeout"`
	Rise       *int64   `toml:"rise"`
	Fall       *int64   `toml:"fall"`
	StartDown  *bool    `toml:"start_down"`
	Port       *int64   `toml:"port"`
	Path       *string  `toml:"path"`
	Host       *string  `toml:"host"`
	Status     *int64   `toml:"status"`
	BodySHA256 *string  `toml:"body_sha256"`
	Command    []string `toml:"command"`
}
