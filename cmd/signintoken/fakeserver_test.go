package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// serve runs newFakeServer(h, lim) behind limitListener(maxConns) on loopback until the test ends.
func serve(t *testing.T, h http.Handler, lim serverLimits, maxConns int) string {
	t.Helper()
	return serveHolding(t, h, lim, maxConns, nil)
}

// serveHolding is serve with limitListener's holds.
func serveHolding(t *testing.T, h http.Handler, lim serverLimits, maxConns int, holds func(*http.Request) bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := limitListener(ln, maxConns, holds)
	srv := newFakeServer(h, lim, l)
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return ln.Addr().String()
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusNoContent)
})

// dial opens a raw connection; it is closed when the test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closes c within limit (reading to EOF or reset).
func closedByServer(c net.Conn, limit time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(limit))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

var shortLimits = serverLimits{readHeader: 200 * time.Millisecond, read: 400 * time.Millisecond, idle: 300 * time.Millisecond, maxHeader: 4 << 10}

func TestDefaultServerLimitsAreSet(t *testing.T) {
	srv := newFakeServer(okHandler, defaultServerLimits, nil)
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Fatalf("server limits %v %v %v %d: every one must be set", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	if defaultMaxConns < 1 || defaultMaxConns > 1024 {
		t.Fatalf("defaultMaxConns %d", defaultMaxConns)
	}
}

// A connection that never finishes its headers is dropped.
func TestServerDropsAConnectionThatNeverSendsHeaders(t *testing.T) {
	lim := shortLimits
	lim.read = time.Minute // the header timeout alone must do it
	addr := serve(t, okHandler, lim, 8)
	c := dial(t, addr)
	io.WriteString(c, "POST /v1/sign_in_tokens HTTP/1.1\r\nHost: x\r\n") // and nothing more
	if !closedByServer(c, 3*time.Second) {
		t.Fatal("the server still holds a connection whose headers never ended")
	}
}

// A chunked body that never ends is cut by the read timeout.
func TestServerCutsANeverEndingBody(t *testing.T) {
	addr := serve(t, okHandler, shortLimits, 8)
	c := dial(t, addr)
	io.WriteString(c, "POST /v1/sign_in_tokens HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a trickle: one byte every 50ms, forever
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := io.WriteString(c, "1\r\nx\r\n"); err != nil {
					return
				}
			}
		}
	}()
	if !closedByServer(c, 3*time.Second) {
		t.Fatal("the server still reads a body that never ends")
	}
}

// An idle keep-alive connection is closed.
func TestServerClosesIdleConnections(t *testing.T) {
	lim := shortLimits
	lim.read = time.Minute // the idle timeout alone must do it (net/http falls back on ReadTimeout)
	addr := serve(t, okHandler, lim, 8)
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("%v %v", resp, err)
	}
	if !closedByServer(c, 3*time.Second) {
		t.Fatal("the server still holds an idle keep-alive connection")
	}
}

func TestServerRefusesHugeHeaders(t *testing.T) {
	addr := serve(t, okHandler, shortLimits, 8)
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB of headers over a 4 KiB bound: %d, want 431", resp.StatusCode)
	}
}

// get sends one request on c and reads its answer, within wait.
func get(c net.Conn, wait time.Duration) error {
	c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

// Past the cap, a connection is not served until one of those open closes.
func TestConnectionCap(t *testing.T) {
	limits := serverLimits{readHeader: time.Minute, read: time.Minute, idle: time.Minute, maxHeader: 4 << 10}
	addr := serve(t, okHandler, limits, 2)
	a, b := dial(t, addr), dial(t, addr)
	for _, c := range []net.Conn{a, b} {
		if err := get(c, 10*time.Second); err != nil {
			t.Fatalf("a connection within the cap: %v", err)
		}
	}
	third := dial(t, addr)                                   // the kernel completes the handshake; the server must not accept it
	if err := get(third, 300*time.Millisecond); err == nil { // not served in 300 ms: not accepted
		t.Fatal("a third connection was served with a cap of 2")
	}
	a.Close()
	third.SetDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(third), nil) // answers the request sent above
	if err != nil {
		t.Fatalf("the waiting connection was not served once a slot freed: %v", err)
	}
	resp.Body.Close()
}

// TestConnectionCapClosesTheOldestFreshConnection: when every slot is taken and one of them
// has never sent a request, a new connection takes the slot of the oldest such: idle
// connections cannot lock out a client. The one that has sent a request keeps its slot.
func TestConnectionCapClosesTheOldestFreshConnection(t *testing.T) {
	limits := serverLimits{readHeader: time.Minute, read: time.Minute, idle: time.Minute, maxHeader: 4 << 10}
	addr := serve(t, okHandler, limits, 3)
	served := dial(t, addr)
	if err := get(served, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	idle1, idle2 := dial(t, addr), dial(t, addr)
	// The kernel queues them in order, and the server accepts them in that order.
	newcomer := dial(t, addr)
	if err := get(newcomer, 10*time.Second); err != nil {
		t.Fatalf("a new connection with every slot taken, two by idle connections: %v", err)
	}
	if !closedByServer(idle1, 5*time.Second) {
		t.Fatal("the oldest idle connection was not closed to make room")
	}
	idle2.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := idle2.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the younger idle connection was closed too: %v", err)
	}
	if err := get(served, 10*time.Second); err != nil {
		t.Fatalf("a connection that had sent a request lost its slot: %v", err)
	}
}

// TestConnectionCapClosesARequestThatHoldsNoSlot: a connection whose request does not hold
// its slot (the fake's: one without its key) can be closed for a newcomer even while its
// handler still reads a body dribbled a byte at a time; one whose request holds its slot
// cannot.
func TestConnectionCapClosesARequestThatHoldsNoSlot(t *testing.T) {
	limits := serverLimits{readHeader: time.Minute, read: time.Minute, idle: time.Minute, maxHeader: 4 << 10}
	holds := func(r *http.Request) bool { return r.Header.Get("X-Key") == "k" }
	reading := make(chan struct{}, 2)
	addr := serveHolding(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reading <- struct{}{}
		okHandler(w, r)
	}), limits, 2, holds)
	keyed, keyless := dial(t, addr), dial(t, addr)
	for _, c := range []net.Conn{keyed, keyless} { // whole headers, then a body that never comes
		key := map[net.Conn]string{keyed: "X-Key: k\r\n"}[c]
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\n"+key+"Content-Length: 100\r\n\r\n")
	}
	<-reading // both handlers are reading: neither connection is fresh
	<-reading
	newcomer := dial(t, addr)
	if err := get(newcomer, 10*time.Second); err != nil {
		t.Fatalf("a newcomer with every slot held, one by a request that holds none: %v", err)
	}
	if !closedByServer(keyless, 5*time.Second) {
		t.Fatal("the connection whose request holds no slot kept it")
	}
	keyed.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := keyed.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the connection whose request holds its slot was closed: %v", err)
	}
}

// Closing the listener releases an Accept waiting for a slot, so Shutdown never hangs.
func TestLimitListenerCloseReleasesAccept(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := limitListener(ln, 1, nil)
	c := dial(t, ln.Addr().String())
	first, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	_ = c
	accepted := make(chan error, 1)
	go func() { _, err := l.Accept(); accepted <- err }()
	l.Close()
	select {
	case err := <-accepted:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still waits for a slot after Close")
	}
}
