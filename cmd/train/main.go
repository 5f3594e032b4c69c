// Command train trains LeNet-5 on MNIST.
//
// For now it prints the network's per-layer table (-summary); training
// comes with the train package.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run parses args and does the work; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	summary := fs.Bool("summary", false, "print the per-layer table of the network and exit")
	head := fs.String("head", "rbf", "output head: rbf (the paper's) or softmax")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	h, err := graph.ParseHead(*head)
	if err != nil {
		fmt.Fprintln(stderr, "train:", err)
		fs.Usage()
		return 2
	}
	if !*summary {
		fmt.Fprintln(stderr, "train: training is not built yet; use -summary")
		return 2
	}
	net, err := graph.New(graph.NewInput(G.NewGraph(), tensor.Float32, 1), graph.WithHead(h))
	if err != nil {
		fmt.Fprintln(stderr, "train:", err)
		return 1
	}
	fmt.Fprintf(stdout, "LeNet-5, %v head, per image:\n%s", h, net.Summary())
	return 0
}
