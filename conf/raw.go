package conf

// The file as decoded, before checks. Pointers mark optional keys, so that a
// default is told apart from a value given as zero.

type rawFile struct {
	Global   rawGlobal     `toml:"global"`
	Instance []rawInstance `toml:"instance"`
}

type rawGlobal struct {
	LogLevel *string `toml:"log_level"`
}

type rawInstance struct {
	Name           *string  `toml:"name"`
	Interface      *string  `toml:"interface"`
	VRID           *int64   `toml:"vrid"`
	Priority       *int64   `toml:"priority"`
	Version        *int64   `toml:"version"`
	AdvertInterval *string  `toml:"advert_interval"`
	VIPs           []string `toml:"vips"`
	Preempt        *bool    `toml:"preempt"`
	PreemptDelay   *string  `toml:"preempt_delay"`
	UnicastPeers   []string `toml:"unicast_peers"`
	UnicastSrc     *string  `toml:"unicast_src"`
	Password       *string  `toml:"password"`
	GARP           rawGARP  `toml:"garp"`
}

type rawGARP struct {
	Count       *int64  `toml:"count"`
	Spacing     *string `toml:"spacing"`
	RepeatDelay *string `toml:"repeat_delay"`
	Refresh     *string `toml:"refresh"`
}
