package read

import (
	"errors"
	"strings"
	"testing"
)

// AlignFrames labels windows with the least-cost path that reads the
// text: where the windows agree with it, their own labels; where they do
// not, the text's digits still, each a run in order, equal neighbours
// parted by a none, and within the windows allowed.
func TestAlignFrames(t *testing.T) {
	// Digit i of the text may only take windows of a block: script
	// position t in block t / width.
	blocks := func(width int) func(t, i int) bool {
		return func(t, i int) bool { return t/width == i }
	}
	for _, c := range []struct {
		name, script, text string
		allowed            func(t, i int) bool
		want               string // labels, '.' for none
	}{
		{"agreeing windows", ".11..22.", "12", nil, ".11..22."},
		{"a digit the windows miss", ".1111.", "12", nil, ""},
		{"equal neighbours run together", "1111", "11", nil, ""},
		// A none is likelier than a digit the window does not show.
		{"within their blocks", "333333", "12", blocks(3), "1..2.."},
		{"one window a digit", "..", "12", nil, "12"},
	} {
		t.Run(c.name, func(t *testing.T) {
			labels, err := AlignFrames(scriptFrames(c.script), c.text, c.allowed)
			if err != nil {
				t.Fatal(err)
			}
			got := labelString(labels)
			// Runs of the labels read the text in every case.
			if r := runsOf(got); r != c.text {
				t.Errorf("labels %s read %q, want %q", got, r, c.text)
			}
			if c.want != "" && got != c.want {
				t.Errorf("labels %s, want %s", got, c.want)
			}
			if c.name == "equal neighbours run together" && !strings.Contains(got, ".") {
				t.Errorf("labels %s: equal digits with no none between them", got)
			}
		})
	}
}

// labelString writes labels as digits and '.' for none.
func labelString(labels []int) string {
	var b strings.Builder
	for _, l := range labels {
		if l == NoneLabel {
			b.WriteByte('.')
		} else {
			b.WriteByte(byte('0' + l))
		}
	}
	return b.String()
}

// runsOf returns the digits a labelling reads: one a run.
func runsOf(labels string) string {
	var b strings.Builder
	for i := 0; i < len(labels); i++ {
		if labels[i] != '.' && (i == 0 || labels[i-1] != labels[i]) {
			b.WriteByte(labels[i])
		}
	}
	return b.String()
}

// AlignFrames says what it cannot align.
func TestAlignFramesErrors(t *testing.T) {
	for _, c := range []struct {
		name, script, text string
		allowed            func(t, i int) bool
		noAlignment        bool
	}{
		{"not digits", "111", "1a", nil, false},
		{"no text", "111", "", nil, true},
		{"more digits than windows", "11", "123", nil, true},
		{"equal digits in two windows", "11", "11", nil, true},
		{"nothing allowed", "111", "1", func(int, int) bool { return false }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			labels, err := AlignFrames(scriptFrames(c.script), c.text, c.allowed)
			if err == nil {
				t.Fatalf("labels %v, want an error", labels)
			}
			if errors.Is(err, ErrNoAlignment) != c.noAlignment {
				t.Errorf("%v: wraps ErrNoAlignment %v, want %v", err, !c.noAlignment, c.noAlignment)
			}
		})
	}
}
