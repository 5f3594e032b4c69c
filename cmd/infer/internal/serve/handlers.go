package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/demo"
	"github.com/lenet5-go/lenet5/internal/demo/page"
)

// contentSecurityPolicy lets the page load only what this server serves
// (and show an uploaded image from a blob: URL).
const contentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// routes is the server's handler.
func (s *Server) routes() http.Handler {
	index, err := page.Index(page.HTTP)
	if err != nil {
		panic(err) // the embedded page is checked by its package's tests
	}
	files := http.FileServerFS(page.Files())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(index))
	})
	mux.Handle("GET /static/", noDirs(files))
	mux.HandleFunc("/api/predict", s.predict)
	mux.HandleFunc("/api/read", s.readNumber)
	mux.HandleFunc("GET /healthz", s.healthz)
	return recoverPanics(s, securityHeaders(mux))
}

// noDirs answers 404 for folders, so the embedded files are not listed.
func noDirs(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || r.URL.Path[len(r.URL.Path)-1] == '/' {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every answer carries.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// recoverPanics answers 500 to a request whose handler panicked, and logs
// the panic with its stack; the panic never reaches the client or the
// other requests. If the answer had already begun, the connection is
// aborted instead, so the client sees a failure, not a cut answer.
func recoverPanics(s *Server, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.cfg.Log.Printf("panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
			if sw.wrote {
				panic(http.ErrAbortHandler)
			}
			writeError(sw, http.StatusInternalServerError, "internal error")
		}()
		h.ServeHTTP(sw, r)
	})
}

// statusWriter records whether the answer has begun.
type statusWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errorBody is the JSON of every error answer of the API.
type errorBody struct {
	Error string `json:"error"`
}

// writeError answers status with {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// jsonAppender is a value that writes its own JSON (demo.Prediction).
type jsonAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b []byte
	var err error
	if a, ok := v.(jsonAppender); ok {
		b, err = a.AppendJSON(make([]byte, 0, 64<<10))
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error: encoding the answer"}`)
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

// health is the answer of /healthz.
type health struct {
	Status  string `json:"status"`
	Head    string `json:"head"`
	Workers int    `json:"workers"`
	Busy    int64  `json:"busy"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, health{Status: "ok", Head: s.cfg.Model.Head.String(), Workers: s.pool.size(), Busy: s.pool.busy.Load()})
}

// predict answers POST /api/predict.
func (s *Server) predict(w http.ResponseWriter, r *http.Request) {
	s.answer(w, r, "use POST with an image or {\"pixels\": [...]}", "predict", func(r *http.Request) (jsonAppender, error) {
		return s.classify(r)
	})
}

// readNumber answers POST /api/read.
func (s *Server) readNumber(w http.ResponseWriter, r *http.Request) {
	s.answer(w, r, "use POST with {\"width\": W, \"height\": H, \"pixels\": [...]}", "read", func(r *http.Request) (jsonAppender, error) {
		return s.read(r)
	})
}

// answer runs an API request: POST only, the body limited to MaxBodyBytes,
// compute's answer or its error as JSON. what names the endpoint in the
// log.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, usage, what string, compute func(*http.Request) (jsonAppender, error)) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, usage)
		return
	}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		writeError(w, http.StatusRequestEntityTooLarge, bodyError(&http.MaxBytesError{Limit: s.cfg.MaxBodyBytes}).Error())
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	a, err := compute(r)
	if err != nil {
		var se *statusError
		switch {
		case errors.As(err, &se):
			if se.status == http.StatusServiceUnavailable {
				w.Header().Set("Retry-After", "1")
			}
			writeError(w, se.status, se.Error())
		case errors.Is(err, context.Canceled):
			// The client went away while waiting: nobody reads the answer.
		default:
			s.cfg.Log.Printf("%s: %v", what, err)
			writeError(w, http.StatusInternalServerError, "internal error")
		}
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// worker takes a free worker for the request, or fails with 503 after
// QueueTimeout; the caller releases it.
func (s *Server) worker(r *http.Request) (*demo.Predictor, error) {
	net, err := s.pool.acquire(r.Context(), s.cfg.QueueTimeout)
	if errors.Is(err, errBusy) {
		return nil, statusErrorf(http.StatusServiceUnavailable, "%v: try again", err)
	}
	return net, err
}

// read reads the number of a drawing: JSON {"width", "height", "pixels"}.
func (s *Server) read(r *http.Request) (*demo.Reading, error) {
	if ctype := r.Header.Get("Content-Type"); !isJSON(ctype) {
		return nil, statusErrorf(http.StatusUnsupportedMediaType,
			"Content-Type %q: send application/json {\"width\": W, \"height\": H, \"pixels\": [W*H numbers 0..255]}", ctype)
	}
	q, err := decodeReadRequest(r.Body)
	if err != nil {
		return nil, err
	}
	net, err := s.worker(r)
	if err != nil {
		return nil, err
	}
	defer s.pool.release(net)
	a, err := net.Read(q.width, q.height, q.pixels)
	if errors.Is(err, data.ErrNoDigit) {
		return nil, statusErrorf(http.StatusBadRequest, "%w", err)
	}
	return a, err
}

// classify reads the request and runs the network. Decoding the image
// happens on a worker too, so that Workers bounds the memory that large
// images take as well as the evaluations.
func (s *Server) classify(r *http.Request) (*demo.Prediction, error) {
	q, err := readRequest(r)
	if err != nil {
		return nil, err
	}
	net, err := s.worker(r)
	if err != nil {
		return nil, err
	}
	defer s.pool.release(net)
	img, err := q.image(s.cfg.MaxImagePixels)
	if err != nil {
		return nil, err
	}
	p, err := net.Picture(img, q.name)
	if errors.Is(err, data.ErrNoDigit) {
		return nil, statusErrorf(http.StatusBadRequest, "%w", err)
	}
	return p, err
}
