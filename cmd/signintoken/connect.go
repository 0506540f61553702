package main

import (
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// connect returns a client for the configured API: CLERK_SECRET_KEY and --base-url or
// CLERK_API_URL, read and checked by api.NewClientFromEnvFunc (the one home of that rule) from
// the command's environment; or, with no key, the built-in fake, started in process. stop
// releases it. extra options apply after the command's own.
func connect(baseURL string, getenv env, stderr io.Writer, extra ...api.Option) (c *api.Client, embedded bool, stop func(), err error) {
	if getenv(api.EnvSecretKey) != "" {
		opts := []api.Option{api.WithUserAgent("signintoken-cli")}
		if baseURL != "" {
			opts = append(opts, api.WithBaseURL(baseURL)) // after the environment: the flag wins
		}
		c, err := api.NewClientFromEnvFunc(getenv, append(opts, extra...)...)
		if err != nil {
			return nil, false, nil, err
		}
		return c, false, func() {}, nil
	}
	if baseURL != "" || getenv(api.EnvAPIURL) != "" {
		return nil, false, nil, fmt.Errorf("%w: %s is not set, and a base URL (--base-url or %s) needs one", api.ErrInvalidInput, api.EnvSecretKey, api.EnvAPIURL)
	}

	fake, err := clienttest.NewHandler(clienttest.OnViolation(func(msg string) {
		fmt.Fprintf(stderr, "signintoken: built-in fake: %s\n", msg)
	}))
	if err != nil {
		return nil, false, nil, err
	}
	srv := httptest.NewServer(fake) // loopback only
	fmt.Fprintln(stderr, "signintoken: "+api.EnvSecretKey+" is not set: using the built-in fake Clerk API, in process. Nothing leaves this machine, and the token is not real.")
	c, err = api.NewClient(fake.SecretKey(), append([]api.Option{api.WithBaseURL(srv.URL + "/v1"), api.WithUserAgent("signintoken-cli")}, extra...)...)
	if err != nil {
		srv.Close()
		return nil, false, nil, err
	}
	return c, true, func() { fake.Close(); srv.Close() }, nil
}
