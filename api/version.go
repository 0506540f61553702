package api

import signintokens "github.com/clerkgen/signintokens"

// Version is this library's version, sent in the User-Agent header.
const Version = "0.1.0"

// userAgent names this library, its version and the Clerk API version it speaks.
const userAgent = "signintokens-go/" + Version + " (+https://github.com/clerkgen/signintokens; clerk-api " + signintokens.APIVersion + ")"
