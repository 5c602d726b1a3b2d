package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// unixSockets: net.Listen("unix") and net.Dial through the netpoller (non-blocking sockets,
// accept4, epoll), concurrent clients, a megabyte each way, deadlines, and a unixgram pair.
func unixSockets(dir string) {
	path := filepath.Join(dir, "guestgo.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		fmt.Println("unix listen:", err)
		return
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				line, _ := r.ReadString('\n')
				if strings.HasPrefix(line, "bulk") {
					h := sha256.New()
					n, _ := io.Copy(h, io.LimitReader(r, 1<<20))
					fmt.Fprintf(c, "%d %x\n", n, h.Sum(nil)[:8])
					return
				}
				fmt.Fprintf(c, "echo %s", strings.ToUpper(line))
			}(c)
		}
	}()
	replies := make([]string, 4)
	var cw sync.WaitGroup
	for i := range replies {
		cw.Add(1)
		go func(i int) {
			defer cw.Done()
			c, err := net.Dial("unix", path)
			if err != nil {
				replies[i] = err.Error()
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "client %d\n", i)
			line, _ := bufio.NewReader(c).ReadString('\n')
			replies[i] = strings.TrimSpace(line)
		}(i)
	}
	cw.Wait()
	fmt.Printf("unix clients: %q\n", replies)
	c, err := net.Dial("unix", path)
	if err == nil {
		data := make([]byte, 1<<20)
		for i := range data {
			data[i] = byte(i * 7)
		}
		want := sha256.Sum256(data)
		fmt.Fprintf(c, "bulk\n")
		c.Write(data)
		line, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Printf("unix bulk: %q want %x\n", strings.TrimSpace(line), want[:8])
		c.Close()
	}
	d, err := net.Dial("unix", path)
	if err == nil {
		d.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, err = d.Read(make([]byte, 1))
		ne, ok := err.(net.Error)
		fmt.Printf("unix deadline: timeout %v\n", ok && ne.Timeout())
		d.Close()
	}
	ln.Close()
	wg.Wait()
	_, err = net.Dial("unix", path)
	fmt.Printf("unix dial after close: %v\n", err != nil)

	a := filepath.Join(dir, "guestgo-a.sock")
	b := filepath.Join(dir, "guestgo-b.sock")
	pa, err1 := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: a, Net: "unixgram"})
	pb, err2 := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: b, Net: "unixgram"})
	if err1 != nil || err2 != nil {
		fmt.Println("unixgram:", err1, err2)
		return
	}
	pa.WriteToUnix([]byte("datagram"), &net.UnixAddr{Name: b, Net: "unixgram"})
	buf := make([]byte, 64)
	n, from, err := pb.ReadFromUnix(buf)
	fmt.Printf("unixgram: %q from-a %v %v\n", string(buf[:n]), from != nil && from.Name == a, err)
	pa.Close()
	pb.Close()
}
