package main

import (
	"fmt"
	"image/png"
	"io"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/activations"
	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/modelfile"
)

// visualize draws the layer-by-layer picture of one image to out.
func visualize(out, file string, m *modelfile.Model, stdin io.Reader, stdout io.Writer) error {
	raw, err := readDigit(file, stdin)
	if err != nil {
		return err
	}
	net, err := activations.New(m)
	if err != nil {
		return err
	}
	defer net.Close()
	act, err := net.Run(raw)
	if err != nil {
		return err
	}
	img, err := data.LayerPicture(act)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(out, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\t%d\t%.4f\t%s\n", file, act.Predicted, act.Probabilities[act.Predicted], out)
	return nil
}
