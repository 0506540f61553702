package main

import (
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"
)

// serverLimits bound what one client can make the fake hold: a connection that never
// finishes its headers or its body, an idle keep-alive connection, a huge header block.
type serverLimits struct {
	readHeader time.Duration // headers must arrive within this
	read       time.Duration // the whole request, body included (a never-ending body is cut)
	idle       time.Duration // an idle keep-alive connection is closed after this
	maxHeader  int           // bytes of request line and headers; more gets 431
}

// defaultServerLimits are generous for any real client on loopback or a CI network, and
// small enough that a stuck or hostile one is let go. No write timeout: a queued latency
// fault may hold an answer on purpose (and Close releases it at shutdown).
var defaultServerLimits = serverLimits{
	readHeader: 10 * time.Second,
	read:       30 * time.Second,
	idle:       60 * time.Second,
	maxHeader:  64 << 10,
}

// defaultMaxConns is --max-conns: connections served at once. Past it, new connections wait
// in the kernel's accept queue until one closes, as with x/net/netutil.LimitListener.
const defaultMaxConns = 128

func newFakeServer(h http.Handler, lim serverLimits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.readHeader,
		ReadTimeout:       lim.read,
		IdleTimeout:       lim.idle,
		MaxHeaderBytes:    lim.maxHeader,
	}
}

// limitListener accepts at most n connections at once: Accept waits for a slot, and a slot
// is freed when its connection closes. (golang.org/x/net/netutil has the same thing; this
// module keeps x/net out of its go.mod.)
func limitListener(ln net.Listener, n int) net.Listener {
	return &limitedListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

type limitedListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{} // closed by Close, so a waiting Accept returns
	closeOnce sync.Once
}

func (l *limitedListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitedListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// fakeMemoryLimit is the fake's soft memory limit unless GOMEMLIMIT sets one: the garbage
// collector then works to keep the heap near what is live, so a fake that has served 100k
// requests stays small (see docs/performance.md). It is soft: a fake holding more live
// tokens than fit collects more often, and keeps working.
const fakeMemoryLimit = 40 << 20

// limitMemory is called by main for the fake subcommand only: the limit is the process's.
func limitMemory(getenv env) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(fakeMemoryLimit)
	}
}
