// Command transfer uses the shipped LeNet-5 as a feature extractor: its
// body (C1..F6, loaded from models/lenet5.safetensors) stays frozen, and a
// head of the program's own, a linear layer 84 -> 10 with softmax
// cross-entropy made of Gorgonia's built-in ops, is trained on F6's
// outputs. With -finetune the body trains too, at a smaller rate.
//
//	go run ./examples/transfer [-finetune]
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/examples/internal/mnist"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

const (
	batch      = 50
	trainCount = 3000
	evalBatch  = 500
)

func main() {
	finetune := flag.Bool("finetune", false, "train the body too (at a hundredth of the head's rate)")
	flag.Parse()
	if err := run(*finetune); err != nil {
		fmt.Fprintln(os.Stderr, "transfer:", err)
		os.Exit(1)
	}
}

// head is the program's own output layer on the 84 F6 features.
type head struct {
	w, b *G.Node
}

// glorot returns an in x out matrix uniform in +-sqrt(6/(in+out)), drawn
// from a seeded stream so that every run starts the same.
func glorot(in, out int, seed uint64) *tensor.Dense {
	rng := rand.New(rand.NewPCG(seed, 0))
	r := math.Sqrt(6 / float64(in+out))
	w := make([]float32, in*out)
	for i := range w {
		w[i] = float32((2*rng.Float64() - 1) * r)
	}
	return tensor.New(tensor.WithShape(in, out), tensor.WithBacking(w))
}

// fwd returns the logits of f6 (N x 84): f6 w + b.
func (h head) fwd(f6 *G.Node) (*G.Node, error) {
	z, err := G.Mul(f6, h.w)
	if err != nil {
		return nil, err
	}
	return G.BroadcastAdd(z, h.b, nil, []byte{0})
}

// crossEntropy is the mean softmax cross-entropy of logits against one-hot labels.
func crossEntropy(logits, onehot *G.Node) (*G.Node, error) {
	logp, err := G.LogSoftMax(logits)
	if err != nil {
		return nil, err
	}
	picked, err := G.HadamardProd(logp, onehot)
	if err != nil {
		return nil, err
	}
	perImage, err := G.Sum(picked, 1)
	if err != nil {
		return nil, err
	}
	mean, err := G.Mean(perImage)
	if err != nil {
		return nil, err
	}
	return G.Neg(mean)
}

func run(finetune bool) error {
	start := time.Now()
	m, err := mnist.Load()
	if err != nil {
		return err
	}
	model, err := models.Default()
	if err != nil {
		return err
	}
	g := G.NewGraph()
	// The shipped model's body only, under a prefix of our choosing.
	body, err := model.Params(g, graph.WithHead(graph.NoHead), graph.WithPrefix("pretrained/"))
	if err != nil {
		return err
	}
	h := head{
		w: G.NewMatrix(g, tensor.Float32, G.WithShape(graph.F6Units, graph.Classes), G.WithName("head.w"), G.WithValue(glorot(graph.F6Units, graph.Classes, 1))),
		b: G.NewVector(g, tensor.Float32, G.WithShape(graph.Classes), G.WithName("head.b"), G.WithInit(G.Zeroes())),
	}
	net, err := body.Apply(graph.NewInput(g, tensor.Float32, batch))
	if err != nil {
		return err
	}
	logits, err := h.fwd(net.F6)
	if err != nil {
		return err
	}
	labels := G.NewMatrix(g, tensor.Float32, G.WithShape(batch, graph.Classes), G.WithName("labels"))
	loss, err := crossEntropy(logits, labels)
	if err != nil {
		return err
	}
	// Frozen: only the head's two nodes are differentiated and stepped.
	headParams := G.Nodes{h.w, h.b}
	learnables := headParams
	if finetune {
		learnables = append(body.Learnables(), headParams...)
	}
	if _, err := G.Grad(loss, learnables...); err != nil {
		return err
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(learnables...))
	defer vm.Close()
	headSolver := G.NewAdamSolver(G.WithLearnRate(1e-2))
	bodySolver := G.NewAdamSolver(G.WithLearnRate(1e-4))
	it, err := data.NewBatches(m.Train, data.Shuffled(data.Range(trainCount), 1, 0), batch)
	if err != nil {
		return err
	}
	for b := it.Next(); b != nil && b.N() == batch; b = it.Next() {
		if err := G.Let(net.Input, b.Tensor()); err != nil {
			return err
		}
		if err := G.Let(labels, b.OneHot()); err != nil {
			return err
		}
		if err := vm.RunAll(); err != nil {
			return err
		}
		if err := headSolver.Step(G.NodesToValueGrads(headParams)); err != nil {
			return err
		}
		if finetune {
			if err := bodySolver.Step(G.NodesToValueGrads(body.Learnables())); err != nil {
				return err
			}
		}
		vm.Reset()
	}

	// The test set, on batches of 500: the body applied again, our head on it.
	eval, err := body.Apply(graph.NewInput(g, tensor.Float32, evalBatch))
	if err != nil {
		return err
	}
	evalLogits, err := h.fwd(eval.F6)
	if err != nil {
		return err
	}
	evm := G.NewTapeMachine(g.SubgraphRoots(evalLogits))
	defer evm.Close()
	wrong, err := mnist.TestErrors(m, evalBatch, func(b *data.Batch) ([]int, error) {
		if err := G.Let(eval.Input, b.Tensor()); err != nil {
			return nil, err
		}
		if err := evm.RunAll(); err != nil {
			return nil, err
		}
		defer evm.Reset()
		out := evalLogits.Value().Data().([]float32)
		logits := make([]float64, len(out))
		for i, v := range out {
			logits[i] = float64(v)
		}
		return graph.Predict(graph.Softmax, logits), nil
	})
	if err != nil {
		return err
	}
	mode := "frozen body"
	if finetune {
		mode = "fine-tuned body"
	}
	fmt.Printf("%s, own head trained on %d images: test error %.2f%% (%d of %d), %.0f s\n",
		mode, trainCount, 100*float64(wrong)/float64(m.Test.Len()), wrong, m.Test.Len(), time.Since(start).Seconds())
	fmt.Printf("the shipped model with its own RBF head: %s of %s test images wrong\n", model.Meta[modelfile.KeyTestErrors], model.Meta[modelfile.KeyTestImages])
	return nil
}
