// A static Go HTTP server and client (net/http, standard library only) for the network tests:
//
//	gohttp serve ADDR        serves /hello ("hello from <hostname>\n") and /bytes?n=N (N bytes
//	                         of a fixed pattern) until killed; prints "serving ADDR" once
//	                         listening
//	gohttp get URL           fetches URL and prints "status=<code> bytes=<n> sha256=<hex>"
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func serve(addr string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		host, _ := os.Hostname()
		fmt.Fprintf(w, "hello from %s\n", host)
	})
	mux.HandleFunc("/bytes", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 0 || n > 64<<20 {
			http.Error(w, "bad n", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(pattern(n))
	})
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	fmt.Printf("serving %s\n", addr)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(l)
}

func get(url string) error {
	client := &http.Client{Timeout: 30 * time.Second}
	var resp *http.Response
	var err error
	for tries := 0; tries < 50; tries++ {
		if resp, err = client.Get(url); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		return err
	}
	fmt.Printf("status=%d bytes=%d sha256=%x\n", resp.StatusCode, n, h.Sum(nil))
	return nil
}

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "serve":
		err = serve(os.Args[2])
	case len(os.Args) == 3 && os.Args[1] == "get":
		err = get(os.Args[2])
	default:
		err = fmt.Errorf("usage: gohttp serve ADDR | gohttp get URL")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gohttp:", err)
		os.Exit(1)
	}
}
