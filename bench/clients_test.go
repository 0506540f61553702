package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/signintoken"

	signintokens "github.com/clerkgen/signintokens"
	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/gen"
)

// client is one way of calling the two endpoints, reduced to what every benchmark needs:
// Create returns the new token's id, Revoke the token's status afterwards.
type client struct {
	name   string
	create func(ctx context.Context, userID string) (string, error)
	revoke func(ctx context.Context, id string) (string, error)
}

// clientNames are the variants, in the order benchmarks run them.
var clientNames = []string{"api", "gen", "hand", "clerk-sdk-go"}

// expiresInSeconds is what every variant sends: the facade always sends an expiry (Clerk's
// default, 30 days), so the others do too, for the same request on the wire.
const expiresInSeconds = 30 * 24 * 60 * 60

// userAgent is what the gen and hand-written variants send, as the facade sends its own.
const userAgent = "bench/1.0"

// newClient returns the variant called name, sending to baseURL (ending in /v1) with key. A nil
// hc gives each variant its own default HTTP client, as a user who configures nothing gets.
func newClient(tb testing.TB, name, baseURL, key string, hc *http.Client) client {
	tb.Helper()
	switch name {
	case "api":
		opts := []api.Option{api.WithBaseURL(baseURL)}
		if hc != nil {
			opts = append(opts, api.WithHTTPClient(hc))
		}
		c, err := api.NewClient(key, opts...)
		if err != nil {
			tb.Fatal(err)
		}
		return client{name: name,
			create: func(ctx context.Context, userID string) (string, error) {
				tok, err := c.Create(ctx, api.CreateParams{UserID: userID})
				if err != nil {
					return "", err
				}
				return tok.ID, nil
			},
			revoke: func(ctx context.Context, id string) (string, error) {
				tok, err := c.Revoke(ctx, id)
				if err != nil {
					return "", err
				}
				return string(tok.Status), nil
			},
		}
	case "gen":
		return newGenClient(tb, baseURL, key, hc)
	case "hand":
		if hc == nil {
			hc = http.DefaultClient
		}
		h := &handClient{hc: hc, base: baseURL, auth: "Bearer " + key}
		return client{name: name, create: h.create, revoke: h.revoke}
	case "clerk-sdk-go":
		sc := &signintoken.Client{Backend: clerk.NewBackend(&clerk.BackendConfig{
			HTTPClient: hc, URL: clerk.String(baseURL), Key: clerk.String(key),
		})}
		return client{name: name,
			create: func(ctx context.Context, userID string) (string, error) {
				tok, err := sc.Create(ctx, &signintoken.CreateParams{
					UserID: clerk.String(userID), ExpiresInSeconds: clerk.Int64(expiresInSeconds),
				})
				if err != nil {
					return "", err
				}
				return tok.ID, nil
			},
			revoke: func(ctx context.Context, id string) (string, error) {
				tok, err := sc.Revoke(ctx, id)
				if err != nil {
					return "", err
				}
				return tok.Status, nil
			},
		}
	}
	tb.Fatalf("no client variant %q", name)
	return client{}
}

// newGenClient is the generated client used bare, as its README shows: headers from a request
// editor, answers read through the …WithResponse methods.
func newGenClient(tb testing.TB, baseURL, key string, hc *http.Client) client {
	auth := "Bearer " + key
	opts := []gen.ClientOption{gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", auth)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", userAgent)
		req.Header.Set("Clerk-API-Version", signintokens.APIVersion)
		return nil
	})}
	if hc != nil {
		opts = append(opts, gen.WithHTTPClient(hc))
	}
	c, err := gen.NewClientWithResponses(baseURL, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	seconds := expiresInSeconds
	return client{name: "gen",
		create: func(ctx context.Context, userID string) (string, error) {
			resp, err := c.CreateSignInTokenWithResponse(ctx, gen.CreateSignInTokenJSONRequestBody{
				UserID: userID, ExpiresInSeconds: &seconds,
			})
			if err != nil {
				return "", err
			}
			if resp.JSON200 == nil {
				return "", fmt.Errorf("create: status %d", resp.StatusCode())
			}
			return resp.JSON200.ID, nil
		},
		revoke: func(ctx context.Context, id string) (string, error) {
			resp, err := c.RevokeSignInTokenWithResponse(ctx, id)
			if err != nil {
				return "", err
			}
			if resp.JSON200 == nil {
				return "", fmt.Errorf("revoke: status %d", resp.StatusCode())
			}
			return string(resp.JSON200.Status), nil
		},
	}
}

// handClient is what a careful engineer writes with net/http and encoding/json alone: the
// same headers as the facade, a bounded read, a status check, one decode.
type handClient struct {
	hc         *http.Client
	base, auth string
}

type handCreateBody struct {
	UserID           string `json:"user_id"`
	ExpiresInSeconds int    `json:"expires_in_seconds"`
}

type handToken struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	Status    string `json:"status"`
	UserID    string `json:"user_id"`
	Token     string `json:"token"`
	URL       string `json:"url"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
}

func (h *handClient) create(ctx context.Context, userID string) (string, error) {
	body, err := json.Marshal(handCreateBody{UserID: userID, ExpiresInSeconds: expiresInSeconds})
	if err != nil {
		return "", err
	}
	tok, err := h.post(ctx, h.base+"/sign_in_tokens", body)
	if err != nil {
		return "", err
	}
	return tok.ID, nil
}

func (h *handClient) revoke(ctx context.Context, id string) (string, error) {
	tok, err := h.post(ctx, h.base+"/sign_in_tokens/"+url.PathEscape(id)+"/revoke", nil)
	if err != nil {
		return "", err
	}
	return tok.Status, nil
}

func (h *handClient) post(ctx context.Context, u string, body []byte) (*handToken, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", h.auth)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Clerk-API-Version", signintokens.APIVersion)
	resp, err := h.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("clerk answered %d", resp.StatusCode)
	}
	var tok handToken
	if err := json.Unmarshal(data, &tok); err != nil {
		return nil, err
	}
	return &tok, nil
}
