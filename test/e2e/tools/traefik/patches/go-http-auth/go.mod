// The upstream module has no go.mod; this one names it and what it imports.
module github.com/abbot/go-http-auth

go 1.24

require (
	golang.org/x/crypto v0.56.0
	golang.org/x/net v0.58.0
)
