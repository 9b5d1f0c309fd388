// The Go ceilings for scripts/bench/go.mjs, standard library only, one program for both
// (they share the listening and port-printing scaffolding):
//
//	ceiling echo    a line echo server answering "you said: <line>" for each line
//	ceiling hello   net/http answering "Hello, World!" as text/plain
//
// Listens on a free port on 127.0.0.1 and prints "PORT n" on stdout.
package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "echo" && os.Args[1] != "hello") {
		fmt.Fprintln(os.Stderr, "usage: ceiling echo|hello")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("PORT %d\n", ln.Addr().(*net.TCPAddr).Port)
	if os.Args[1] == "hello" {
		body := []byte("Hello, World!")
		http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write(body)
		}))
		return
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			continue
		}
		go echo(conn)
	}
}

func echo(conn net.Conn) {
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
