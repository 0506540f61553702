// Package api is a stand-in for the library's api package in apigate's tests.
package api

// Client calls the API.
type Client struct{ Name string }

// NewClient returns a Client.
func NewClient(name string) *Client { return &Client{Name: name} }
