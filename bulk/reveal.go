package bulk

import "github.com/clerkgen/signintokens/api"

// credentials returns a token's credentials, for the state (and from it the links file). It
// is the one place in this package that reads them from a token: every other path carries
// ids and outcomes only.
func credentials(tok *api.SignInToken) (token, url string) {
	return tok.Token.Reveal(), tok.URL.Reveal()
}
