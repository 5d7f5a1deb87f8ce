package kimchi

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVMJSON: the hand-written VM list is json.Marshal's, byte for byte,
// over VMs with every optional part present or not and strings that need
// escaping.
func TestVMJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	strs := []string{"", "vm-1", `q"uote`, "<script>&", "tab\t", "héllo", "bad\xff", "\u2028"}
	str := func() string { return strs[r.IntN(len(strs))] }
	opt := func() *string {
		if r.IntN(2) == 0 {
			return nil
		}
		s := str()
		return &s
	}
	floats := []float64{0, 1, 99.5, 1.0 / 3, 1e-7, 123456.789, 1e22}
	f := func() float64 { return floats[r.IntN(len(floats))] }
	list := func() []string {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		return []string{str(), str()}
	}
	var vms []VM
	for range 500 {
		vm := VM{Name: str(), UUID: str(), State: str(), Memory: r.IntN(1 << 20), CPUs: r.IntN(64) - 1,
			CPUInfo:    VMCPUInfo{MaxVCPUs: r.IntN(64), VCPUs: r.IntN(64)},
			Stats:      VMStats{CPUUtilization: f(), NetThroughput: f(), NetThroughputPeak: f(), IOThroughput: f(), IOThroughputPeak: f()},
			Screenshot: opt(), Icon: opt(),
			Graphics: VMGraphics{Type: str(), Listen: str(), Passwd: str(), PasswdValidTo: opt()},
			Users:    list(), Groups: list(), Access: str(), Persistent: r.IntN(2) == 0}
		if r.IntN(2) == 0 {
			vm.CPUInfo.Topology = &Topology{Sockets: r.IntN(4), Cores: r.IntN(8), Threads: r.IntN(2)}
		}
		if r.IntN(2) == 0 {
			p := r.IntN(65536)
			vm.Graphics.Port = &p
		}
		vms = append(vms, vm)
	}
	for _, base := range []string{"", "/plugins/kimchi", "/<odd>"} {
		got := appendVMs(nil, vms, base)
		shot := make([]VM, len(vms))
		copy(shot, vms)
		for i := range shot {
			prefixShot(base, &shot[i])
		}
		want, err := json.Marshal(shot)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "base %q", base)
	}
	empty, _ := json.Marshal([]VM{})
	assert.Equal(t, string(empty), string(appendVMs(nil, []VM{}, "")))
}

// TestVolumeJSON: the hand-written volume list is json.Marshal's, byte
// for byte, with the optional ISO attributes present or not.
func TestVolumeJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	strs := []string{"", "disk.img", `q"uote`, "<b>&", "héllo", "bad\xff", "/var/lib/libvirt/images/x.qcow2"}
	str := func() string { return strs[r.IntN(len(strs))] }
	var vols []StorageVolume
	for range 300 {
		v := StorageVolume{Name: str(), Type: str(), Capacity: r.Uint64(), Allocation: r.Uint64() >> r.IntN(64),
			Format: str(), Path: str(), IsValid: r.IntN(2) == 0, OSDistro: str(), OSVersion: str(), Pool: str()}
		switch r.IntN(3) {
		case 0:
			v.UsedBy = []string{}
		case 1:
			v.UsedBy = []string{str(), str()}
		}
		if r.IntN(2) == 0 {
			b := r.IntN(2) == 0
			v.Bootable = &b
		}
		vols = append(vols, v)
	}
	want, err := json.Marshal(vols)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(appendVolumes(nil, vols)))
}
