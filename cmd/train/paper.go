package main

// paperCounts are the 1998 paper's own figures for a network, beside which
// -summary prints ours (docs/family.md gives the sources): its parameters
// and connections as the text states them, and Figs. 11 (multiply-adds per
// recognition) and 12 (stored variables). "" where the paper gives none
// that we could confirm.
type paperCounts struct {
	params, connections, multiplyAdds, variables string
}

// paper holds the paper's figures by network name.
var paper = map[string]paperCounts{
	"lenet1": {params: "2,578", connections: "98,442", multiplyAdds: "100k", variables: "3k"},
	"lenet4": {params: "about 17,000", connections: "about 260,000", multiplyAdds: "260k", variables: "17k"},
	"lenet5": {params: "60,000", connections: "340,908"},
}
