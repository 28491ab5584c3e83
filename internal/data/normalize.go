package data

import "golang.org/x/text/unicode/norm"

// Normalize puts text in Unicode normal form C, so that a name typed on the
// command line and the same name in a words file compare equal whatever
// composition the editor or terminal chose.
func Normalize(s string) string { return norm.NFC.String(s) }
