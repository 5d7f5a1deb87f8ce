package of13_test

import (
	"testing"

	"github.com/netslice/netslice/openflow/internal/oftest"
)

func TestGoldenOVS(t *testing.T) {
	for _, g := range goldens() {
		t.Run(g.name, func(t *testing.T) { oftest.Golden(t, g.msg, g.want) })
	}
}
