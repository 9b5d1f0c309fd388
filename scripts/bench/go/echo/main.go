// The Go ceiling for the echo round-trip benchmark: a line echo server answering
// "you said: <line>" for each line, standard library only. Prints its port on stdout.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("PORT %d\n", ln.Addr().(*net.TCPAddr).Port)
	for {
		conn, err := ln.Accept()
		if err != nil {
			continue
		}
		go serve(conn)
	}
}

func serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		w.WriteString("you said: ")
		w.Write(line)
		// Flush only when no more input is buffered, so pipelined lines share a write.
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}
