// A small Go program linked statically (CGO_ENABLED=0) by tests/unit/guest_proc/CMakeLists.txt:
// a real ELF file with PT_PHDR and a note, as Go's own linker lays it out.
package main

import (
	"fmt"
	"os"
)

func main() {
	done := make(chan string)
	go func() { done <- "hello from " + os.Args[0] }()
	fmt.Println(<-done)
}
