package convert

import (
	"strconv"

	"github.com/hadirector/hadirector/conf/keepalived"
)

// lvsSyncDaemon converts global_defs' lvs_sync_daemon IFACE INSTANCE [id
// N] [maxlen N] [port N] [ttl N] [group IP], or an instance's older
// lvs_sync_daemon_interface IFACE (owner is then that instance).
func (c *converter) lvsSyncDaemon(n *keepalived.Node, owner string) {
	if c.sync != nil {
		c.changed(n, false, "not carried: a second lvs_sync_daemon")
		return
	}
	if len(n.Args) < 1 || owner == "" && len(n.Args) < 2 {
		c.changed(n, true, "not carried: want INTERFACE and VRRP_INSTANCE")
		return
	}
	t := &table{header: "[sync]", comment: []string{"keepalived lvs_sync_daemon (" + n.Pos.String() + ")"}}
	rest := n.Args[1:]
	if owner == "" {
		owner, rest = n.Args[1], n.Args[2:]
	}
	t.set("instance", str(owner), "")
	t.set("interface", str(n.Args[0]), "")
	keys := map[string]string{"id": "sync_id", "maxlen": "max_len", "port": "port", "ttl": "ttl"}
	for i := 0; i < len(rest); i++ {
		k := rest[i]
		if i+1 >= len(rest) {
			c.changed(n, false, "not carried: %s without a value", k)
			break
		}
		v := rest[i+1]
		i++
		switch {
		case k == "group":
			t.set("group", str(v), "")
		case keys[k] != "":
			x, err := strconv.Atoi(v)
			if err != nil {
				c.changed(n, false, "not carried: %s %q", k, v)
				continue
			}
			t.set(keys[k], num(x), "")
		default:
			c.changed(n, false, "not carried: %s %s", k, v)
		}
	}
	t.set("mode", str("follow"), "keepalived's: the master thread on MASTER, the backup thread otherwise")
	t.set("failback_hold", "false", "keepalived preempts without waiting for the sync catch-up; true is hadirector's safer default")
	c.sync, c.syncAt, c.syncIn = t, n.Pos, owner
}

// finishSync drops the [sync] table if its instance was not converted.
func (c *converter) finishSync() {
	if c.sync != nil && !c.names[c.syncIn] {
		c.notes = append(c.notes, Note{Pos: c.syncAt, Keyword: "lvs_sync_daemon", Msg: "not carried: " + strconv.Quote(c.syncIn) + " is not a converted vrrp_instance", Lost: true})
		c.sync = nil
	}
}
