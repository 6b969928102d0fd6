// Package ext is the extension point Traefik embeds in its dynamic HTTP configuration
// (dynamic.HTTPConfiguration and dynamic.Router embed ext.HTTP and ext.Router inline).
// Open-source Traefik adds no fields there, so empty structs configure the same proxy.
package ext

// HTTP holds extra fields of the dynamic HTTP configuration: none in this build.
type HTTP struct{}

// Router holds extra fields of an HTTP router: none in this build.
type Router struct{}
