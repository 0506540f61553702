// Package gen is a stand-in for the generated package.
package gen

// SignInToken is a generated model.
type SignInToken struct {
	ID  string
	URL *string
}
