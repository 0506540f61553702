// Package clienttest is a stand-in for the fake.
package clienttest

import "example.com/lib/api"

// Server is the fake.
type Server struct{ Client *api.Client }
