package api

import (
	"fmt"
	"os"
)

// The environment variables [NewClientFromEnv] reads, named as Clerk's SDKs and CLI name them.
const (
	EnvSecretKey = "CLERK_SECRET_KEY" // the secret key (sk_test_… or sk_live_…)
	EnvAPIURL    = "CLERK_API_URL"    // the API's origin, or a URL ending in /v1; unset or empty: DefaultBaseURL
)

// NewClientFromEnv returns a client configured as Clerk's SDKs are, from the environment:
// CLERK_SECRET_KEY holds the secret key, and CLERK_API_URL the API's origin (such as
// https://api.clerk.com, or http://127.0.0.1:PORT as `signintoken fake` prints it) or a URL
// ending in /v1. An unset or empty CLERK_API_URL means [DefaultBaseURL]. Options apply after
// the environment, so [WithBaseURL] given here wins over CLERK_API_URL, as a flag wins over
// a variable (a malformed CLERK_API_URL is refused all the same: the mistake is not hidden).
//
// An unset or empty CLERK_SECRET_KEY, or a malformed key or URL, is refused with an error
// wrapping [ErrInvalidInput] that names the variable (never its value); no client is made, so
// nothing is sent. The rules are those of [NewClient] and [WithBaseURL].
//
// It is a constructor rather than an Option because the key is NewClient's one required
// argument: an option supplying it would make NewClient("", opt) a valid call, and a missing
// key would go unnoticed wherever the option was forgotten.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	return NewClientFromEnvFunc(os.Getenv, opts...)
}

// NewClientFromEnvFunc is [NewClientFromEnv] reading the variables through getenv rather than
// from the process's environment: for a program that hands its commands an environment of
// their own (a command-line tool's tests, say), so the variables are read by one rule however
// they are held. getenv returns "" for a variable that is unset, as [os.Getenv] does.
func NewClientFromEnvFunc(getenv func(name string) string, opts ...Option) (*Client, error) {
	if getenv == nil {
		return nil, invalidInput("NewClientFromEnvFunc needs a getenv function, such as os.Getenv")
	}
	key := getenv(EnvSecretKey)
	if key == "" {
		return nil, invalidInput("%s is not set, or empty: set it to the secret key (sk_test_… or sk_live_…) of your Clerk instance", EnvSecretKey)
	}
	if err := checkSecretKey(key); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvSecretKey, err)
	}
	var fromEnv []Option
	if baseURL := getenv(EnvAPIURL); baseURL != "" {
		if _, err := checkBaseURL(baseURL); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvAPIURL, err)
		}
		fromEnv = append(fromEnv, WithBaseURL(baseURL))
	}
	return NewClient(key, append(fromEnv, opts...)...)
}
