package serve

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/lenet5-go/lenet5/internal/demo"
	"github.com/lenet5-go/lenet5/modelfile"
)

// errBusy is returned by acquire when no worker became free in time.
var errBusy = errors.New("all workers are busy")

// pool holds one network per worker. Gorgonia's graphs and machines are
// not safe for concurrent use, so a request takes a network from the
// channel, uses it alone and puts it back: at most len(all) evaluations
// run at once.
type pool struct {
	free chan *demo.Predictor
	all  []*demo.Predictor
	// busy counts the networks taken; peak is busy's highest value (read
	// by the tests).
	busy, peak atomic.Int64
}

// newPool builds n networks of model m, reading numbers with model
// numbers (nil: m) and the SDNN of network sdnn as the second reader (nil:
// none).
func newPool(m, numbers, sdnn *modelfile.Model, n int) (*pool, error) {
	p := &pool{free: make(chan *demo.Predictor, n)}
	for range n {
		net, err := demo.NewPredictor(m, numbers, sdnn)
		if err != nil {
			p.close()
			return nil, err
		}
		p.all = append(p.all, net)
		p.free <- net
	}
	return p, nil
}

// acquire takes a free network, waiting at most wait; it fails with
// errBusy after that, or with ctx's error if the client went away.
func (p *pool) acquire(ctx context.Context, wait time.Duration) (*demo.Predictor, error) {
	var net *demo.Predictor
	select {
	case net = <-p.free:
	default:
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case net = <-p.free:
		case <-timer.C:
			return nil, errBusy
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	b := p.busy.Add(1)
	for {
		old := p.peak.Load()
		if b <= old || p.peak.CompareAndSwap(old, b) {
			break
		}
	}
	return net, nil
}

// release gives a network back. Each run sets the input and resets the
// machine before computing, so a network given back after a failed run
// (even one that panicked) computes the next image from scratch.
func (p *pool) release(net *demo.Predictor) {
	p.busy.Add(-1)
	p.free <- net
}

// close releases every machine; the pool must be idle.
func (p *pool) close() {
	for _, net := range p.all {
		net.Close()
	}
}

// size is the number of workers.
func (p *pool) size() int { return len(p.all) }
