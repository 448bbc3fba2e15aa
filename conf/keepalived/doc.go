// Package keepalived reads keepalived's configuration language as
// keepalived 2.2.7 reads it, written from keepalived.conf(5) and checked
// against `keepalived -t`: blocks in braces, comments from # or !,
// quoted strings with shell-like escapes, include with globs and brace
// expressions, $NAME=VALUE parameters (one line or continued with \) and
// their substitution, @ID and @^ID conditional lines, and ~SEQ/~SEQx/~LST
// line repetition.
//
// The result is a tree of Nodes, each a keyword with its arguments, its
// block's children, and the file and line it came from. The package knows
// the language, not the keywords: package convert gives them meaning.
package keepalived
