// A static Go program (CGO_ENABLED=0, standard library only) exercising what the Go runtime
// needs from the kernel: threads on several CPUs, futexes, epoll and eventfd (timers and the
// netpoller), signals (async preemption with SIGURG, os/signal), fork+exec from os/exec, the
// garbage collector. Every line is the same on every run and machine except "numcpu" and
// "gomaxprocs", which report the CPUs the kernel offers.
//
//	guestgo [SCRATCH-DIR]
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func workerPool() {
	jobs := make(chan int, 64)
	results := make(chan int, 64)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- j * j
			}
		}()
	}
	go func() {
		for i := 1; i <= 1000; i++ {
			jobs <- i
		}
		close(jobs)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	sum := 0
	n := 0
	for r := range results {
		sum += r
		n++
	}
	fmt.Printf("worker pool: %d results, sum of squares %d\n", n, sum)
}

func pipeline() {
	gen := func(n int) <-chan int {
		out := make(chan int)
		go func() {
			for i := 1; i <= n; i++ {
				out <- i
			}
			close(out)
		}()
		return out
	}
	square := func(in <-chan int) <-chan int {
		out := make(chan int)
		go func() {
			for v := range in {
				out <- v * v
			}
			close(out)
		}()
		return out
	}
	total := 0
	for v := range square(square(gen(20))) {
		total += v
	}
	fmt.Printf("pipeline: sum of fourth powers 1..20 = %d\n", total)
}

func selects() {
	never := make(chan int)
	start := time.Now()
	select {
	case <-never:
		fmt.Println("select: impossible")
	case <-time.After(30 * time.Millisecond):
		fmt.Printf("select: timer fired (waited >= 30ms: %v)\n", time.Since(start) >= 30*time.Millisecond)
	}
	soon := make(chan string)
	go func() {
		time.Sleep(10 * time.Millisecond)
		soon <- "value"
	}()
	select {
	case v := <-soon:
		fmt.Printf("select: got %s before the timeout\n", v)
	case <-time.After(10 * time.Second):
		fmt.Println("select: timed out")
	}
	// The clock starts before the ticker: taken after it, a preemption in between (a busy
	// host) would let the first tick wait in the channel and the five take under 20 ms.
	start = time.Now()
	ticker := time.NewTicker(5 * time.Millisecond)
	ticks := 0
	for ticks < 5 {
		<-ticker.C
		ticks++
	}
	ticker.Stop()
	fmt.Printf("ticker: %d ticks (took >= 20ms: %v)\n", ticks, time.Since(start) >= 20*time.Millisecond)

	timer := time.NewTimer(time.Hour)
	fmt.Printf("timer stopped before firing: %v\n", timer.Stop())

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	<-ctx.Done()
	fmt.Printf("context: %v\n", errors.Is(ctx.Err(), context.DeadlineExceeded))
}

func mutexes() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	var atomicCounter int64
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
				atomic.AddInt64(&atomicCounter, 1)
				if i%1000 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("mutex counter: %d, atomic counter: %d\n", counter, atomic.LoadInt64(&atomicCounter))

	// A condition variable hand-off in a fixed order.
	cond := sync.NewCond(&mu)
	turn := 0
	var order []string
	for id := 3; id >= 0; id-- {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for r := 0; r < 3; r++ {
				mu.Lock()
				for turn%4 != id {
					cond.Wait()
				}
				order = append(order, fmt.Sprint(id))
				turn++
				cond.Broadcast()
				mu.Unlock()
			}
		}(id)
	}
	wg.Wait()
	fmt.Printf("cond turns: %s\n", strings.Join(order, ""))
}

// Parallel CPU work on every P at once.
func parallelHash() {
	var wg sync.WaitGroup
	sums := make([]string, 4)
	for i := range sums {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			data := []byte(fmt.Sprintf("block %d", i))
			for r := 0; r < 20000; r++ {
				h := sha256.Sum256(data)
				data = h[:]
			}
			sums[i] = fmt.Sprintf("%x", data[:8])
		}(i)
	}
	wg.Wait()
	fmt.Printf("parallel sha256: %s\n", strings.Join(sums, " "))
}

// A goroutine spinning without function calls can only be stopped by the asynchronous
// preemption signal (SIGURG): the garbage collector must still get its stop-the-world.
func preemption() {
	old := runtime.GOMAXPROCS(1)
	var stop int32
	done := make(chan bool)
	go func() {
		x := 0
		for atomic.LoadInt32(&stop) == 0 {
			x++
		}
		done <- x > 0
	}()
	time.Sleep(10 * time.Millisecond)
	runtime.GC() // needs the spinner preempted
	atomic.StoreInt32(&stop, 1)
	fmt.Printf("preemption: spinner stopped (%v), GC ran\n", <-done)
	runtime.GOMAXPROCS(old)
}

func garbage() {
	var keep [][]byte
	total := 0
	for i := 0; i < 2000; i++ {
		b := make([]byte, 16<<10)
		b[0] = byte(i)
		total += len(b)
		if i%100 == 0 {
			keep = append(keep, b)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("garbage: allocated %d MiB, kept %d blocks, GC cycles > 0: %v\n", total>>20, len(keep),
		ms.NumGC > 0)
}

func signals() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		fmt.Println("kill:", err)
	}
	select {
	case s := <-ch:
		fmt.Printf("signal: received %v\n", s)
	case <-time.After(5 * time.Second):
		fmt.Println("signal: not received")
	}
	signal.Stop(ch)
}

func files(dir string) {
	path := filepath.Join(dir, "guestgo-file.txt")
	if err := os.WriteFile(path, []byte("written by Go\n"), 0o644); err != nil {
		fmt.Println("write:", err)
		return
	}
	data, err := os.ReadFile(path)
	fmt.Printf("file: %q %v\n", string(data), err)
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "guestgo-") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	fmt.Printf("dir: %v\n", names)
	_, err = os.Stat(filepath.Join(dir, "missing"))
	fmt.Printf("stat missing: %v\n", errors.Is(err, os.ErrNotExist))
	os.Remove(path)
}

func subprocess() {
	out, err := exec.Command("/bin/busybox", "echo", "hello from a child").Output()
	fmt.Printf("exec: %q %v\n", string(out), err)
	err = exec.Command("/bin/busybox", "false").Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		fmt.Printf("exec false: exit %d\n", ee.ExitCode())
	} else {
		fmt.Printf("exec false: %v\n", err)
	}
}

func main() {
	dir := "/tmp"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	fmt.Printf("numcpu: %d\n", runtime.NumCPU())
	fmt.Printf("gomaxprocs: %d\n", runtime.GOMAXPROCS(0))
	workerPool()
	pipeline()
	selects()
	mutexes()
	parallelHash()
	preemption()
	garbage()
	signals()
	files(dir)
	unixSockets(dir)
	subprocess()
	fmt.Println("go: done")
}
