// Package h2test proves, against a raw HTTP/2 server written frame by frame, that the api
// package sends one Create at most once per attempt it decides on, whatever the transport.
// It is a module of its own so that golang.org/x/net never enters the library's go.mod.
package h2test
