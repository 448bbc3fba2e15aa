package conf

import (
	"fmt"
	"time"
)

func buildGroups(rgs []rawGroup, ins []Instance, e *errs) []SyncGroup {
	known := map[string]bool{}
	for _, in := range ins {
		known[in.Name] = true
	}
	member := map[string]string{}
	names := map[string]bool{}
	var out []SyncGroup
	for n, rg := range rgs {
		p := fmt.Sprintf("sync_group[%d]", n)
		before := e.count()
		g := SyncGroup{}
		switch {
		case rg.Name == nil || *rg.Name == "":
			e.add(p+".name", "required")
		case names[*rg.Name]:
			e.add(p+".name", "%q names another sync_group too", *rg.Name)
		default:
			g.Name = *rg.Name
			names[g.Name] = true
		}
		if len(rg.Instances) < 2 {
			e.add(p+".instances", "a sync group needs at least two instances")
		}
		for _, in := range rg.Instances {
			switch {
			case !known[in]:
				e.add(p+".instances", "%q is not the name of an [[instance]]", in)
			case member[in] != "":
				e.add(p+".instances", "%q is already in %s", in, member[in])
			default:
				member[in] = p
				g.Instances = append(g.Instances, in)
			}
		}
		g.Notify = Notify{
			Any:    argv(e, p+".notify", rg.Notify),
			Master: argv(e, p+".notify_master", rg.NotifyMaster),
			Backup: argv(e, p+".notify_backup", rg.NotifyBackup),
			Fault:  argv(e, p+".notify_fault", rg.NotifyFault),
			Stop:   argv(e, p+".notify_stop", rg.NotifyStop),
		}
		g.Notify.Timeout = duration(e, p+".notify_timeout", rg.NotifyTimeout, DefaultNotifyTimeout)
		if t := g.Notify.Timeout; t <= 0 || t > time.Hour {
			e.add(p+".notify_timeout", "%v: must be more than 0s and at most 1h", t)
		}
		if e.count() == before {
			out = append(out, g)
		}
	}
	return out
}
