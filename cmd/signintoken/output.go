package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// credentials is the one place the command reads a token's credentials: --json prints them
// because the user asked for them, and text output prints the URL, the thing they came for.
func credentials(tok *api.SignInToken) (token, url string) {
	return tok.Token.Reveal(), tok.URL.Reveal()
}

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

// printJSON writes tok as one JSON object and a newline, in a single write.
func printJSON(w io.Writer, tok *api.SignInToken, expiresAt *time.Time) error {
	out := tokenJSON{
		ID: tok.ID, UserID: tok.UserID, Status: string(tok.Status),
		CreatedAt: tok.CreatedAt.UnixMilli(), UpdatedAt: tok.UpdatedAt.UnixMilli(),
	}
	out.Token, out.URL = credentials(tok)
	if expiresAt != nil {
		out.ExpiresAt = expiresAt.UnixMilli()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep & in the URL as it is: people copy it
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(terminalJSON(buf.Bytes()))
	return err
}

// printText writes the token for a person, in a single write: the URL, the thing they came
// for, last and whole.
func printText(w io.Writer, tok *api.SignInToken, expiresAt *time.Time) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "id:\t%s\n", terminalText(tok.ID, maxFieldLen))
	fmt.Fprintf(tw, "user:\t%s\n", terminalText(tok.UserID, maxFieldLen))
	fmt.Fprintf(tw, "status:\t%s\n", terminalText(string(tok.Status), maxFieldLen))
	if expiresAt != nil {
		fmt.Fprintf(tw, "expires:\t%s (in %s)\n", expiresAt.Format(time.RFC3339), time.Until(*expiresAt).Round(time.Second))
	}
	if _, url := credentials(tok); url != "" {
		// Escaped, never cut (an escape is at most 4 bytes a byte): a cut link is no link, and
		// the response it came in is bounded.
		fmt.Fprintf(tw, "url:\t%s\n", terminalText(url, 4*len(url)))
	}
	tw.Flush() // into buf: cannot fail
	_, err := w.Write(buf.Bytes())
	return err
}

// outputFailed reports a result the API produced that could not be printed: the token was
// minted (or revoked) all the same, so the user learns which one, and the command fails.
// Only the id is named, never the token or its URL.
func outputFailed(stderr io.Writer, id, done, advice string, err error) int {
	fmt.Fprintf(stderr, "signintoken: sign-in token %s WAS %s, but printing it failed: %s.%s\n",
		terminalText(id, maxFieldLen), done, terminalText(err.Error(), maxLineLen), advice)
	return exitError
}
