package demo

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/lenet5-go/lenet5/data"
)

// squashMax is the squashing function's bound, 1.7159 tanh(2a/3) in
// (-1.7159, 1.7159): the range every hidden layer is drawn in.
const squashMax = 1.7159

// Prediction is the answer the page draws: the digit, its probability, the
// ten probabilities and every stage's values.
type Prediction struct {
	Digit         int       `json:"digit"`
	Confidence    float64   `json:"confidence"`
	Probabilities []float64 `json:"probabilities"`
	Layers        Stages    `json:"layers"`
}

// Stages holds every stage's values for drawing, in the order of docs/spec.md
// §11.
type Stages struct {
	Input  Stage `json:"input"`
	C1     Stage `json:"C1"`
	S2     Stage `json:"S2"`
	C3     Stage `json:"C3"`
	S4     Stage `json:"S4"`
	C5     Stage `json:"C5"`
	F6     Stage `json:"F6"`
	Code   Stage `json:"code"`   // the RBF code of the predicted digit, drawn beside F6
	Output Stage `json:"output"` // the ten RBF distances or logits
}

// Stage is one layer's values: Shape is [maps, height, width] for the
// input and the feature maps, [n] for the vectors; Values are row-major,
// rounded to 3 decimals; Range is the values drawn white and black.
type Stage struct {
	Name   string      `json:"name,omitempty"`
	Shape  []int       `json:"shape"`
	Range  [2]float64  `json:"range"`
	Values RoundedJSON `json:"values"`
}

// NewPrediction lays out an image's activations for the page.
func NewPrediction(a data.Activations) *Prediction {
	hidden := [2]float64{-squashMax, squashMax}
	input := make([]float64, len(a.Input))
	for i, v := range a.Input {
		input[i] = float64(v)
	}
	p := &Prediction{
		Digit:         a.Predicted,
		Confidence:    a.Probabilities[a.Predicted],
		Probabilities: a.Probabilities,
		Layers: Stages{
			Input:  Stage{Shape: []int{1, data.InputSide, data.InputSide}, Range: [2]float64{data.Background, data.Ink}, Values: input},
			C5:     Stage{Shape: []int{len(a.C5)}, Range: hidden, Values: a.C5},
			F6:     Stage{Shape: []int{len(a.F6)}, Range: hidden, Values: a.F6},
			Code:   Stage{Shape: []int{len(a.Code)}, Range: [2]float64{-1, 1}, Values: a.Code},
			Output: Stage{Name: a.ScoreName, Shape: []int{len(a.Scores)}, Range: [2]float64{slices.Min(a.Scores), slices.Max(a.Scores)}, Values: a.Scores},
		},
	}
	for _, m := range a.Maps {
		st := Stage{Shape: []int{m.Maps, m.Side, m.Side}, Range: hidden, Values: m.Values}
		switch m.Name {
		case "C1":
			p.Layers.C1 = st
		case "S2":
			p.Layers.S2 = st
		case "C3":
			p.Layers.C3 = st
		case "S4":
			p.Layers.S4 = st
		}
	}
	return p
}

// RoundedJSON is a list of values written with 3 decimals, which is finer
// than the 256 greys they are drawn in and keeps the answer near 60 KB.
type RoundedJSON []float64

// appendJSON appends the values rounded; a value that is not finite is an
// error, as for encoding/json's float64.
func (v RoundedJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '[')
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errors.New("demo: activation is not finite")
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRounded(b, x)
	}
	return append(b, ']'), nil
}

// MarshalJSON makes RoundedJSON an encoding/json value too.
func (v RoundedJSON) MarshalJSON() ([]byte, error) { return v.appendJSON(nil) }

// appendRounded appends x rounded to 3 decimals, without trailing zeros:
// as integer thousandths, which is several times faster than
// strconv.AppendFloat and was a third of a request's time.
func appendRounded(b []byte, x float64) []byte {
	m := math.Round(x * 1000)
	if m == 0 {
		return append(b, '0') // also for -0
	}
	if math.Abs(m) >= 1<<53 {
		return strconv.AppendFloat(b, m/1000, 'g', -1, 64)
	}
	n := int64(m)
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/1000, 10)
	frac := n % 1000
	if frac == 0 {
		return b
	}
	digits := [3]byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	end := 3
	for digits[end-1] == '0' {
		end--
	}
	b = append(b, '.')
	return append(b, digits[:end]...)
}

// AppendJSON appends the answer as encoding/json would write the struct,
// but in one pass: encoding/json would check and copy every value a
// custom marshaller returns again, a fifth of a request's time.
func (p *Prediction) AppendJSON(b []byte) ([]byte, error) {
	head, err := json.Marshal(struct {
		Digit         int       `json:"digit"`
		Confidence    float64   `json:"confidence"`
		Probabilities []float64 `json:"probabilities"`
	}{p.Digit, p.Confidence, p.Probabilities})
	if err != nil {
		return nil, err
	}
	b = append(b, head[:len(head)-1]...) // without its closing brace
	b = append(b, `,"layers":{`...)
	l := &p.Layers
	for k, st := range []struct {
		key string
		st  *Stage
	}{{"input", &l.Input}, {"C1", &l.C1}, {"S2", &l.S2}, {"C3", &l.C3}, {"S4", &l.S4}, {"C5", &l.C5}, {"F6", &l.F6}, {"code", &l.Code}, {"output", &l.Output}} {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, st.key...)
		b = append(b, `":`...)
		if b, err = st.st.appendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, "}}"...), nil
}

// appendJSON writes one stage as encoding/json would.
func (st *Stage) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	if st.Name != "" {
		name, err := json.Marshal(st.Name)
		if err != nil {
			return nil, err
		}
		b = append(b, `"name":`...)
		b = append(b, name...)
		b = append(b, ',')
	}
	b = append(b, `"shape":[`...)
	for k, n := range st.Shape {
		if k > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	r, err := json.Marshal(st.Range)
	if err != nil {
		return nil, err
	}
	b = append(b, `],"range":`...)
	b = append(b, r...)
	b = append(b, `,"values":`...)
	if b, err = st.Values.appendJSON(b); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}
