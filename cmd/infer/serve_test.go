package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// demo is a running `infer -serve` process.
type demo struct {
	url    string // http://127.0.0.1:PORT
	cmd    *exec.Cmd
	stderr *syncBuffer
	lines  chan string   // what it prints on stdout after the first line
	done   chan struct{} // closed when it has exited, with its error in err
	err    error
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingLine = regexp.MustCompile(`^serving the live demo at (http://127\.0\.0\.1:\d+)/ \((\d+) workers\)$`)

// startDemo runs the real binary with -serve on a free loopback port and
// waits for the line that gives its address. The process is stopped
// (SIGKILL) at the end of the test if it is still running.
func startDemo(t *testing.T, args ...string) *demo {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"-serve", "127.0.0.1:0"}, args...)...)
	cmd.Dir = t.TempDir()
	d := &demo{cmd: cmd, stderr: &syncBuffer{}, lines: make(chan string, 16), done: make(chan struct{})}
	cmd.Stderr = d.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			cmd.Process.Kill()
			<-d.done
		}
	})
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for n := 0; sc.Scan(); n++ {
			if n == 0 {
				first <- sc.Text()
				continue
			}
			d.lines <- sc.Text()
		}
		close(first)
		close(d.lines)
		d.err = cmd.Wait()
		close(d.done)
	}()
	select {
	case line := <-first:
		m := servingLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first line %q, want the address (stderr %q)", line, d.stderr.String())
		}
		d.url = m[1]
	case <-time.After(60 * time.Second):
		t.Fatalf("no address printed in 60 s (stderr %q)", d.stderr.String())
	}
	return d
}

// postJSON posts body with the content type and decodes the JSON answer.
func postJSON(t testing.TB, client *http.Client, url, ctype string, body []byte, v any) int {
	t.Helper()
	resp, err := client.Post(url+"/api/predict", ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("answer %d is not JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode
}

// The server answers an image file as the command line does: the same
// digit and the very same probabilities, through the same preprocessing
// and model; and the digits it classifies right on the command line it
// classifies right as drawings too.
func TestServeSameAsCommandLine(t *testing.T) {
	d := startDemo(t, "-workers", "2")
	dir := t.TempDir()
	for _, i := range shippedModelRight(t, 10) {
		for _, size := range []int{28, 90} {
			path := writeImage(t, dir, fmt.Sprintf("d%d_%d.png", i, size), digitPicture(t, i, size, size != 28))
			code, stdout, stderr := runInfer(t, dir, nil, "-digit", "-json", path)
			if code != 0 {
				t.Fatalf("infer -json: %d %s", code, stderr)
			}
			var cli, srv struct {
				Digit         int
				Confidence    float64
				Probabilities []float64
			}
			if err := json.Unmarshal([]byte(stdout), &cli); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			if status := postJSON(t, http.DefaultClient, d.url, "image/png", b, &srv); status != 200 {
				t.Fatalf("%s: status %d", path, status)
			}
			if srv.Digit != cli.Digit || srv.Confidence != cli.Confidence || fmt.Sprint(srv.Probabilities) != fmt.Sprint(cli.Probabilities) {
				t.Fatalf("%s: server %+v, command line %+v", filepath.Base(path), srv, cli)
			}
			if srv.Digit != realMNIST(t).Test.Label(i) {
				t.Fatalf("%s: %d, want %d", filepath.Base(path), srv.Digit, realMNIST(t).Test.Label(i))
			}
		}
	}
}

// -model works with -serve: a softmax model is served with its head and
// its logits.
func TestServeModelFlag(t *testing.T) {
	g := G.NewGraph()
	net, err := graph.New(graph.NewInput(g, tensor.Float32, 1), graph.WithHead(graph.Softmax), graph.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "softmax.safetensors")
	if err := modelfile.Write(path, modelfile.FromNet(net, nil)); err != nil {
		t.Fatal(err)
	}
	d := startDemo(t, "-model", path, "-workers", "1")
	resp, err := http.Get(d.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Status, Head string
		Workers      int
	}
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if h.Status != "ok" || h.Head != "softmax" || h.Workers != 1 {
		t.Fatalf("healthz %+v, want the softmax head and 1 worker", h)
	}
	var a struct {
		Layers struct {
			Output struct {
				Name   string
				Values []float64
			}
		}
	}
	b, _ := os.ReadFile("testdata/three.png")
	if status := postJSON(t, http.DefaultClient, d.url, "image/png", b, &a); status != 200 || a.Layers.Output.Name != "logit" || len(a.Layers.Output.Values) != 10 {
		t.Fatalf("status %d, output %+v; want logits", status, a.Layers.Output)
	}
}

// SIGTERM stops the server: it refuses new connections, finishes the
// request in flight, prints "stopped" and exits 0.
func TestServeGracefulShutdownOnSIGTERM(t *testing.T) {
	d := startDemo(t, "-workers", "1")
	addr := strings.TrimPrefix(d.url, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second)) // a stop for a broken test
	body, _ := os.ReadFile("testdata/three.png")
	// Expect: 100-continue: the server's "100 Continue" says the handler
	// is reading the body, so the request is in flight.
	fmt.Fprintf(c, "POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", len(body))
	const cont = "HTTP/1.1 100 Continue\r\n\r\n"
	got := make([]byte, len(cont))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != cont {
		t.Fatalf("want 100 Continue, got %q (%v)", got, err)
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	refused := false
	for range 1000 {
		if c2, err := net.Dial("tcp", addr); err != nil {
			refused = true
			break
		} else {
			c2.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !refused {
		t.Fatal("still accepting connections 10 s after SIGTERM")
	}
	if _, err := c.Write(body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	var a struct{ Digit int }
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if resp.StatusCode != 200 || a.Digit != 3 {
		t.Fatalf("request in flight: %d, digit %d; want 200 and 3", resp.StatusCode, a.Digit)
	}
	<-d.done
	if d.err != nil {
		t.Fatalf("exit: %v (stderr %q)", d.err, d.stderr.String())
	}
	if line := <-d.lines; line != "stopped" {
		t.Fatalf("last line %q, want stopped", line)
	}
	if s := d.stderr.String(); !strings.Contains(s, "shutting down") || strings.Contains(s, "panic") {
		t.Fatalf("stderr %q", s)
	}
}

// -serve refuses files and the other modes (exit 2), and an address it
// cannot listen on is an error (exit 1).
func TestServeUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"-serve", "127.0.0.1:0", "x.png"}, {"-serve", "127.0.0.1:0", "-mnist-test"}, {"-serve", "127.0.0.1:0", "-viz", "o.png", "x.png"}} {
		code, _, stderr := runInfer(t, dir, nil, args...)
		if code != exitUsage || !strings.Contains(stderr, "-serve takes no files") {
			t.Errorf("%v: exit %d, stderr %q; want 2", args, code, stderr)
		}
	}
	code, _, stderr := runInfer(t, dir, nil, "-serve", "256.0.0.1:http")
	if code != exitFailure || !strings.HasPrefix(stderr, "infer: -serve: ") {
		t.Errorf("bad address: exit %d, stderr %q; want 1", code, stderr)
	}
}
