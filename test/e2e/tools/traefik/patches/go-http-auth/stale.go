// Added for the e2e build of Traefik, which uses containous's fork of this module (not on
// the Go module proxy). One of the fork's two additions Traefik calls (the other is in
// check_secret.go): a challenge telling the client its nonce was stale (RFC 7616 section
// 3.3), so it retries without asking the user.
// Written for this project.

package auth

import (
	"fmt"
	"net/http"
	"time"
)

// RequireAuthStale answers 401 with a fresh nonce and stale=true.
func (a *DigestAuth) RequireAuthStale(w http.ResponseWriter, r *http.Request) {
	if len(a.clients) > a.ClientCacheSize+a.ClientCacheTolerance {
		a.Purge(a.ClientCacheTolerance * 2)
	}
	nonce := RandomKey()
	a.clients[nonce] = &digest_client{nc: 0, last_seen: time.Now().UnixNano()}
	w.Header().Set(contentType, a.Headers.V().UnauthContentType)
	w.Header().Set(a.Headers.V().Authenticate,
		fmt.Sprintf(`Digest realm="%s", nonce="%s", opaque="%s", algorithm="MD5", qop="auth", stale=true`,
			a.Realm, nonce, a.Opaque))
	w.WriteHeader(a.Headers.V().UnauthCode)
	_, _ = w.Write([]byte(a.Headers.V().UnauthResponse))
}
