package bulk

import "github.com/clerkgen/signintokens/api"

// credentials returns a token's credentials, for the output file. It is the one place in
// this package that reads them: every other path carries ids and outcomes only.
func credentials(tok *api.SignInToken) (token, url string) {
	return tok.Token.Reveal(), tok.URL.Reveal()
}

// usable reports whether tok can be handed out and undone: an id that is an id, and both
// credentials present.
func usable(tok *api.SignInToken) bool {
	token, url := credentials(tok)
	return isID(tok.ID) && token != "" && url != ""
}
