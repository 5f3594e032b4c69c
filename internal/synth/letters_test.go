package synth

import (
	"strings"
	"testing"
)

// TestLettersNotDigitLike checks the letter list: no letter in it looks
// like a digit, and each of the letters that do is left out.
func TestLettersNotDigitLike(t *testing.T) {
	// Letters anyone would take for a digit; DigitLikeLetters must hold
	// them all.
	const mustExclude = "OoDQlIiSsZzBbgqGTJjtYy"
	for _, ch := range mustExclude {
		if strings.ContainsRune(Letters, ch) {
			t.Errorf("Letters holds %q, which looks like a digit", ch)
		}
		if !strings.ContainsRune(DigitLikeLetters, ch) {
			t.Errorf("DigitLikeLetters does not list %q", ch)
		}
	}
	seen := map[rune]bool{}
	for _, ch := range Letters {
		if strings.ContainsRune(DigitLikeLetters, ch) {
			t.Errorf("%q is in Letters and in DigitLikeLetters", ch)
		}
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z') {
			t.Errorf("Letters holds %q, not a letter", ch)
		}
		if seen[ch] {
			t.Errorf("Letters holds %q twice", ch)
		}
		seen[ch] = true
	}
}

// TestLettersPrint prints every letter in every font and normalizes it.
func TestLettersPrint(t *testing.T) {
	var lp letterPrinter
	for k := range fontFaces {
		for _, ch := range Letters {
			p, err := lp.print(ch, k, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			pixels, ok := normalize(p)
			if !ok {
				t.Fatalf("letter %c in %s: no ink", ch, fontFaces[k].name)
			}
			if box := inkBox(pixels, 64); max(box.Dx(), box.Dy()) < 18 {
				t.Errorf("letter %c in %s: ink box %v", ch, fontFaces[k].name, box)
			}
		}
	}
}
