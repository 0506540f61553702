module github.com/clerkgen/signintokens/internal/h2test

go 1.26.0

require (
	github.com/clerkgen/signintokens v0.0.0
	golang.org/x/net v0.62.0
)

require (
	github.com/apapsch/go-jsonmerge/v2 v2.0.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/oapi-codegen/runtime v1.9.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/clerkgen/signintokens => ../..
