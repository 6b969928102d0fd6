// Stands in for Traefik's nested module pkg/config/dynamic/ext, which the module proxy's
// zip of github.com/traefik/traefik/v3 does not carry. Written for this project.
module github.com/traefik/traefik/dynamic/ext

go 1.24
