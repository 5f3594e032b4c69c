package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"

	"github.com/lenet5-go/lenet5/cmd/infer/internal/serve"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
)

// serveDemo serves the live demo at o.serve until ctx is done (SIGINT or
// SIGTERM), then finishes the requests in flight. It prints the address
// it listens on, which tells the port when ADDR asked for port 0.
// Without -model it reads numbers with the shipped reader's model.
func serveDemo(ctx context.Context, o options, m *modelfile.Model, stdout, stderr io.Writer) error {
	var numbers, sdnn *modelfile.Model
	if o.model == "" {
		var err error
		if numbers, err = models.Reader(); err != nil {
			return err
		}
		if sdnn, err = models.SDNN(); err != nil {
			return err
		}
	}
	srv, err := serve.New(serve.Config{Model: m, ReadModel: numbers, ReadSDNN: sdnn, Workers: o.workers, Log: log.New(stderr, "infer: ", log.LstdFlags)})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", o.serve)
	if err != nil {
		return fmt.Errorf("-serve: %w", err)
	}
	fmt.Fprintf(stdout, "serving the live demo at http://%s/ (%d workers)\n", ln.Addr(), o.workers)
	if err := srv.Serve(ctx, ln); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}
