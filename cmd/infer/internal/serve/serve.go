// Package serve is the live demo of infer -serve: a web page on which one
// draws a number and watches it read, digit by digit, and LeNet-5's every
// layer respond to a digit (the picture of docs/spec.md §11, drawn live),
// and the JSON API behind it.
//
//	GET  /             the page (its script and style are embedded in the binary)
//	POST /api/predict  an image file, or JSON {"pixels": [784 numbers 0..255]}: one digit and its layers
//	POST /api/read     JSON {"width": W, "height": H, "pixels": [W*H numbers 0..255]}: the number read
//	GET  /healthz      {"status": "ok", ...}
//
// The server bounds what a client can make it do: header, read, write and
// idle timeouts; a request body limit answered 413; at most Workers model
// evaluations at once, each on a graph and machine of its own, with a
// bounded wait for one (503 after it); a recovered and logged panic is
// answered 500. Serve shuts down gracefully, finishing the requests in
// flight.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/lenet5-go/lenet5/modelfile"
)

// Defaults of Config.
const (
	DefaultMaxBodyBytes      = 4 << 20
	DefaultMaxImagePixels    = 16 << 20
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultQueueTimeout      = 10 * time.Second
	DefaultShutdownTimeout   = 30 * time.Second
)

// Config configures a Server. Zero fields take the defaults above.
type Config struct {
	// Model is the network to run; required.
	Model *modelfile.Model
	// ReadModel is the network that reads numbers (/api/read); nil
	// means Model.
	ReadModel *modelfile.Model
	// ReadSDNN is the SDNN network of the number reader's second reader
	// (read.NewWithSDNN); nil: none.
	ReadSDNN *modelfile.Model
	// Workers is the most model evaluations run at once, each with its
	// own graph and machine (default GOMAXPROCS).
	Workers int
	// MaxBodyBytes is the largest request body accepted; a larger one is
	// answered 413.
	MaxBodyBytes int64
	// MaxImagePixels is the largest width*height of an uploaded image,
	// read from its header before decoding; a larger one is answered 413.
	// It is below imagefile.MaxPixels, the command line's limit, since
	// every worker may hold such an image at once.
	MaxImagePixels int
	// Timeouts of the HTTP server (see net/http.Server).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// QueueTimeout is how long a request waits for a free worker before
	// it is answered 503.
	QueueTimeout time.Duration
	// ShutdownTimeout is how long Serve waits for the requests in flight
	// once its context is done.
	ShutdownTimeout time.Duration
	// Log receives panics, server errors and the shutdown notice
	// (default: the standard logger).
	Log *log.Logger
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxImagePixels <= 0 {
		c.MaxImagePixels = DefaultMaxImagePixels
	}
	def(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&c.ReadTimeout, DefaultReadTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.QueueTimeout, DefaultQueueTimeout)
	def(&c.ShutdownTimeout, DefaultShutdownTimeout)
	if c.Log == nil {
		c.Log = log.Default()
	}
	return c
}

// Server is the demo's HTTP server.
type Server struct {
	cfg     Config
	pool    *pool
	handler http.Handler
}

// New builds the server and its Workers graphs.
func New(cfg Config) (*Server, error) {
	if cfg.Model == nil {
		return nil, errors.New("serve: no model")
	}
	cfg = cfg.withDefaults()
	p, err := newPool(cfg.Model, cfg.ReadModel, cfg.ReadSDNN, cfg.Workers)
	if err != nil {
		return nil, fmt.Errorf("serve: building the graphs: %w", err)
	}
	s := &Server{cfg: cfg, pool: p}
	s.handler = s.routes()
	return s, nil
}

// Handler is the server's handler, with panics recovered; Serve uses it,
// and tests may call it directly.
func (s *Server) Handler() http.Handler { return s.handler }

// Close releases the graphs' machines. The server must not be used after.
func (s *Server) Close() { s.pool.close() }

// Serve accepts connections on ln until ctx is done, then stops accepting
// and waits up to ShutdownTimeout for the requests in flight to finish.
// It returns nil after a graceful shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          s.cfg.Log,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.cfg.Log.Printf("shutting down: finishing the requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	<-served // http.ErrServerClosed
	return nil
}
