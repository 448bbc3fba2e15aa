package keepalived

// build turns logical lines into the tree of blocks. A line's words up to
// an unquoted "{" name a block, which an unquoted "}" closes; a "{" alone
// opens the block of the line before it.
func build(lines []line) ([]*Node, error) {
	root := &Node{Block: true}
	stack := []*Node{root}
	var last *Node // the last leaf added at the current level
	for _, l := range lines {
		var cur []string
		flush := func() *Node {
			if len(cur) == 0 {
				return nil
			}
			n := &Node{Name: cur[0], Args: cur[1:], Pos: l.pos}
			top := stack[len(stack)-1]
			top.Children = append(top.Children, n)
			cur = nil
			return n
		}
		for i, w := range l.words {
			switch {
			case w == "{" && !l.quoted[i]:
				n := flush()
				if n == nil {
					n = last
				}
				if n == nil || n.Block {
					return nil, &Error{l.pos, "{ opens a block with no keyword"}
				}
				n.Block = true
				stack = append(stack, n)
				last = nil
			case w == "}" && !l.quoted[i]:
				flush()
				if len(stack) == 1 {
					return nil, &Error{l.pos, "} closes no block"}
				}
				stack = stack[:len(stack)-1]
				last = nil
			default:
				cur = append(cur, w)
			}
		}
		if n := flush(); n != nil {
			last = n
		}
	}
	if len(stack) > 1 {
		open := stack[len(stack)-1]
		return nil, &Error{open.Pos, "block " + open.Name + " is not closed"}
	}
	return root.Children, nil
}
