package main

import (
	"context"
	"sync"
)

// eachFile runs do on every file with at most n workers, each with state
// of its own made by start before any work begins and released by stop
// (Gorgonia's machines are not safe for concurrent use), and returns the
// results in the files' order. After ctx is done no more files are started:
// reached[k] tells which were, and stopped that some were not.
func eachFile[W, R any](ctx context.Context, files []string, n int, start func() (W, error), stop func(W), do func(W, string) R) (results []R, reached []bool, stopped bool, err error) {
	workers := make([]W, 0, min(n, len(files)))
	for range cap(workers) {
		w, err := start()
		if err != nil {
			for _, w := range workers {
				stop(w)
			}
			return nil, nil, false, err
		}
		workers = append(workers, w)
	}
	results = make([]R, len(files))
	reached = make([]bool, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer stop(w)
			for k := range jobs {
				results[k] = do(w, files[k])
			}
		}()
	}
	for k := range files {
		if ctx.Err() != nil {
			stopped = true
			break
		}
		reached[k] = true
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	return results, reached, stopped, nil
}
