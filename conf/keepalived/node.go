package keepalived

import (
	"fmt"
	"strings"
)

// Pos is where a line came from.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Node is one keyword line: its name, its arguments, and, when it opens a
// block, the block's lines.
type Node struct {
	Name     string
	Args     []string
	Block    bool // it opened a block, even an empty one
	Children []*Node
	Pos      Pos
}

// Child returns the first child called name, or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// String renders the node and its block in keepalived's syntax, for
// messages and tests.
func (n *Node) String() string {
	var b strings.Builder
	n.write(&b, 0)
	return b.String()
}

func (n *Node) write(b *strings.Builder, depth int) {
	b.WriteString(strings.Repeat("  ", depth))
	b.WriteString(n.Name)
	for _, a := range n.Args {
		b.WriteByte(' ')
		b.WriteString(a)
	}
	if !n.Block {
		b.WriteByte('\n')
		return
	}
	b.WriteString(" {\n")
	for _, c := range n.Children {
		c.write(b, depth+1)
	}
	b.WriteString(strings.Repeat("  ", depth))
	b.WriteString("}\n")
}
