// Added for the e2e build of Traefik (see stale.go): the fork's other addition Traefik
// calls. It is CheckAuth's comparison without the request: the secret's prefix picks the
// hash ($2y$ bcrypt, $apr1$ MD5, {SHA}), else the two are compared as plain text.
// Written for this project.

package auth

import "strings"

// CheckSecret reports whether password matches secret, a hash from an htpasswd file.
func CheckSecret(password, secret string) bool {
	compare := compareFuncs[0].compare
	for _, cmp := range compareFuncs[1:] {
		if strings.HasPrefix(secret, cmp.prefix) {
			compare = cmp.compare
			break
		}
	}
	return compare([]byte(secret), []byte(password)) == nil
}
