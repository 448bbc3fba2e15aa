package conf

import "fmt"

func buildGroups(rgs []rawGroup, ins []Instance, e *errs) []SyncGroup {
	if len(rgs) == 0 {
		return nil // without building the set of every instance's name
	}
	known := make(map[string]bool, len(ins))
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
		g.Notify = buildNotify(e, p, rawNotify{rg.Notify, rg.NotifyMaster, rg.NotifyBackup, rg.NotifyStop, rg.NotifyFault, rg.NotifyTimeout})
		if e.count() == before {
			out = append(out, g)
		}
	}
	return out
}
