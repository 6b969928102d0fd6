// Command etcd is upstream etcd's main function. Upstream keeps it in etcd's root module,
// whose go.mod replaces the sub-modules with local paths, so it cannot be built as a
// dependency; the server module's etcdmain.Main is the whole of that program.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
