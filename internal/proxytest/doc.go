// Package proxytest proves, through a real forward proxy (goproxy, on loopback), how the api
// package's default client behaves behind HTTPS_PROXY: it goes through the proxy's CONNECT
// tunnel, honours NO_PROXY, never proxies loopback, and retries a Create whose CONNECT the
// proxy refused, since Clerk cannot have seen it. It is a module of its own so that the
// library's go.mod does not require goproxy; `make test` runs it.
package proxytest
