package signintokens

// oapi-codegen is pinned in internal/tools/codegen/go.mod, a module of its own, so that the
// generator's dependencies never enter this module's go.mod (and so never a consumer's).
//go:generate go tool -modfile=internal/tools/codegen/go.mod oapi-codegen -config oapi-codegen.yaml openapi.yaml
