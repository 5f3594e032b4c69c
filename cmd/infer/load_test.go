package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lenet5-go/lenet5/data"
)

// loadRequests is the number of requests of each round of TestServeLoad;
// LENET5_LOAD_REQUESTS changes it.
func loadRequests(t *testing.T) int {
	n := 2000
	if s := os.Getenv("LENET5_LOAD_REQUESTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("LENET5_LOAD_REQUESTS=%q: want a positive number", s)
		}
		n = v
	}
	return n
}

// rssBytes is the resident memory of process pid (Linux).
func rssBytes(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading the server's memory: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// loadPayload is one request body and the answer it must get.
type loadPayload struct {
	ctype string
	body  []byte
	want  []byte // the answer to it alone, before the load
}

// The real server on loopback under 32 concurrent clients: two rounds of
// loadRequests requests (JSON drawings and PNG uploads of MNIST test
// digits, mixed), every one answered 200 with exactly the answer that the
// same body got alone (so the workers share no state), and the server's
// memory after the second round not above the first round's by more than
// 32 MiB (no growth per request). It logs requests/s and latencies; those
// are measurements, not checked. For figures, run it alone:
//
//	flock /tmp/lenet5-bench.lock go test ./cmd/infer -run TestServeLoad -count 1 -v
func TestServeLoad(t *testing.T) {
	const clients = 32
	n := loadRequests(t)
	d := startDemo(t, "-workers", "2")
	m := realMNIST(t).Test
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 60 * time.Second}
	defer client.CloseIdleConnections()

	post := func(p loadPayload) (int, []byte, error) {
		resp, err := client.Post(d.url+"/api/predict", p.ctype, bytes.NewReader(p.body))
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	var payloads []loadPayload
	for i := range 50 {
		var body []byte
		ctype := "application/json"
		if i%2 == 0 {
			pixels := make([]int, data.ImageSize)
			for k, v := range m.Image(i) {
				pixels[k] = int(v)
			}
			body, _ = json.Marshal(map[string][]int{"pixels": pixels})
		} else {
			var b bytes.Buffer
			png.Encode(&b, digitPicture(t, i, 100, true))
			body, ctype = b.Bytes(), "image/png"
		}
		p := loadPayload{ctype: ctype, body: body}
		status, answer, err := post(p)
		var a struct{ Digit int }
		if err != nil || status != 200 || json.Unmarshal(answer, &a) != nil {
			t.Fatalf("test image %d alone: %d %v %.100s", i, status, err, answer)
		}
		p.want = answer
		payloads = append(payloads, p)
	}

	round := func() (latencies []time.Duration, elapsed time.Duration) {
		var next, failures atomic.Int64
		latencies = make([]time.Duration, n)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr string
		start := time.Now()
		for range clients {
			wg.Go(func() {
				for {
					k := int(next.Add(1)) - 1
					if k >= n {
						return
					}
					p := payloads[k%len(payloads)]
					t0 := time.Now()
					status, answer, err := post(p)
					latencies[k] = time.Since(t0)
					if err != nil || status != 200 || !bytes.Equal(answer, p.want) {
						if failures.Add(1) == 1 {
							mu.Lock()
							firstErr = fmt.Sprintf("request %d: status %d, error %v, answer %.100s", k, status, err, answer)
							mu.Unlock()
						}
					}
				}
			})
		}
		wg.Wait()
		elapsed = time.Since(start)
		if f := failures.Load(); f > 0 {
			t.Fatalf("%d of %d requests failed or got another answer; the first: %s", f, n, firstErr)
		}
		return latencies, elapsed
	}

	pid := d.cmd.Process.Pid
	rss0 := rssBytes(t, pid)
	var rss []int64
	for r := 1; r <= 2; r++ {
		lat, elapsed := round()
		rss = append(rss, rssBytes(t, pid))
		slices.Sort(lat)
		q := func(f float64) time.Duration { return lat[int(f*float64(len(lat)-1))].Round(10 * time.Microsecond) }
		t.Logf("round %d: %d requests from %d clients in %.2f s: %.0f requests/s; latency p50 %v, p90 %v, p99 %v, max %v; server memory (RSS) %.1f MiB",
			r, n, clients, elapsed.Seconds(), float64(n)/elapsed.Seconds(), q(0.5), q(0.9), q(0.99), lat[len(lat)-1].Round(10*time.Microsecond), float64(rss[r-1])/(1<<20))
	}
	t.Logf("server memory (RSS): %.1f MiB after the single requests, %.1f MiB after round 1, %.1f MiB after round 2",
		float64(rss0)/(1<<20), float64(rss[0])/(1<<20), float64(rss[1])/(1<<20))
	if rss[1]-rss[0] > 32<<20 {
		t.Errorf("the server's memory grew by %.1f MiB in the second round of %d requests: a leak", float64(rss[1]-rss[0])/(1<<20), n)
	}
	resp, err := client.Get(d.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Busy int }
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if h.Busy != 0 {
		t.Errorf("%d workers still taken after the load", h.Busy)
	}
}
