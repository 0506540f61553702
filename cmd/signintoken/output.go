package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// tokenJSON is what --json prints: the sign-in token as Clerk describes it, timestamps in Unix
// milliseconds.
type tokenJSON struct {
	ID        string `json:"id"`
	UserID    string `json:"user_id"`
	Status    string `json:"status"`
	URL       string `json:"url,omitempty"`
	Token     string `json:"token,omitempty"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
	ExpiresAt int64  `json:"expires_at,omitempty"`
}

func printJSON(stdout, stderr io.Writer, tok *api.SignInToken, expiresAt *time.Time) int {
	out := tokenJSON{
		ID: tok.ID, UserID: tok.UserID, Status: string(tok.Status), URL: tok.URL.Reveal(), Token: tok.Token.Reveal(),
		CreatedAt: tok.CreatedAt.UnixMilli(), UpdatedAt: tok.UpdatedAt.UnixMilli(),
	}
	if expiresAt != nil {
		out.ExpiresAt = expiresAt.UnixMilli()
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false) // keep & in the URL as it is
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(stderr, "signintoken: write output: %v\n", err)
		return exitError
	}
	return exitOK
}

// printText prints the token for a person: the URL, the thing they came for, last and whole.
func printText(stdout io.Writer, tok *api.SignInToken, expiresAt *time.Time) {
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "id:\t%s\n", tok.ID)
	fmt.Fprintf(w, "user:\t%s\n", tok.UserID)
	fmt.Fprintf(w, "status:\t%s\n", tok.Status)
	if expiresAt != nil {
		fmt.Fprintf(w, "expires:\t%s (in %s)\n", expiresAt.Format(time.RFC3339), time.Until(*expiresAt).Round(time.Second))
	}
	if tok.URL.Reveal() != "" {
		fmt.Fprintf(w, "url:\t%s\n", tok.URL.Reveal())
	}
	w.Flush()
}
