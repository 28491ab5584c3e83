// Package makemore embeds the bundled words file so the binary trains from any directory.
package makemore

import _ "embed"

// Names is names.txt: the 32,257 most common US baby names of 2018 (docs/words-files.md says where they come from).
//
//go:embed names.txt
var Names []byte
