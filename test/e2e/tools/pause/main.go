// Command pause is the e2e node's pod sandbox: the process that holds a pod's namespaces
// while its containers come and go. No image can be pulled here, so we build our own
// (Kubernetes' pause is a few lines of C doing the same). It sleeps until SIGINT or
// SIGTERM and, as PID 1 of the pod, reaps children that get reparented to it.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
