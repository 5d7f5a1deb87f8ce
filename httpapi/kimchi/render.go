package kimchi

import (
	"slices"
	"strconv"

	"github.com/netslice/netslice/httpapi/internal/jsonw"
)

// vmSize is about what a VM takes in JSON: room made at once for a list.
const vmSize = 512

// Lists of VMs and volumes are written by hand rather than through
// encoding/json's reflection (which cost more than reading a kept list
// from libvirt): the bytes are json.Marshal's, field for field (TestVMJSON
// and TestVolumeJSON hold them to it).

// appendVMs appends list as a JSON array, each screenshot URI under base
// (the API's mount point).
func appendVMs(b []byte, list []VM, base string) []byte {
	b = slices.Grow(b, len(list)*vmSize)
	b = append(b, '[')
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendVM(b, &list[i], base)
	}
	return append(b, ']')
}

func appendVM(b []byte, vm *VM, base string) []byte {
	b = append(b, `{"name":`...)
	b = jsonw.String(b, vm.Name)
	b = append(b, `,"uuid":`...)
	b = jsonw.String(b, vm.UUID)
	b = append(b, `,"state":`...)
	b = jsonw.String(b, vm.State)
	b = append(b, `,"memory":`...)
	b = jsonw.Int(b, vm.Memory)
	b = append(b, `,"cpus":`...)
	b = jsonw.Int(b, vm.CPUs)
	b = append(b, `,"cpu_info":{"maxvcpus":`...)
	b = jsonw.Int(b, vm.CPUInfo.MaxVCPUs)
	b = append(b, `,"vcpus":`...)
	b = jsonw.Int(b, vm.CPUInfo.VCPUs)
	b = append(b, `,"topology":`...)
	if t := vm.CPUInfo.Topology; t != nil {
		b = append(b, `{"sockets":`...)
		b = jsonw.Int(b, t.Sockets)
		b = append(b, `,"cores":`...)
		b = jsonw.Int(b, t.Cores)
		b = append(b, `,"threads":`...)
		b = jsonw.Int(b, t.Threads)
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	st := &vm.Stats
	b = append(b, `},"stats":{"cpu_utilization":`...)
	b = jsonw.Float(b, st.CPUUtilization)
	b = append(b, `,"net_throughput":`...)
	b = jsonw.Float(b, st.NetThroughput)
	b = append(b, `,"net_throughput_peak":`...)
	b = jsonw.Float(b, st.NetThroughputPeak)
	b = append(b, `,"io_throughput":`...)
	b = jsonw.Float(b, st.IOThroughput)
	b = append(b, `,"io_throughput_peak":`...)
	b = jsonw.Float(b, st.IOThroughputPeak)
	b = append(b, `},"screenshot":`...)
	if vm.Screenshot != nil {
		b = jsonw.Joined(b, base, *vm.Screenshot)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"icon":`...)
	b = appendOptional(b, vm.Icon)
	g := &vm.Graphics
	b = append(b, `,"graphics":{"type":`...)
	b = jsonw.String(b, g.Type)
	b = append(b, `,"listen":`...)
	b = jsonw.String(b, g.Listen)
	b = append(b, `,"port":`...)
	if g.Port != nil {
		b = jsonw.Int(b, *g.Port)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"passwd":`...)
	b = jsonw.String(b, g.Passwd)
	b = append(b, `,"passwdValidTo":`...)
	b = appendOptional(b, g.PasswdValidTo)
	b = append(b, `},"users":`...)
	b = jsonw.Strings(b, vm.Users)
	b = append(b, `,"groups":`...)
	b = jsonw.Strings(b, vm.Groups)
	b = append(b, `,"access":`...)
	b = jsonw.String(b, vm.Access)
	b = append(b, `,"persistent":`...)
	b = jsonw.Bool(b, vm.Persistent)
	return append(b, '}')
}

// appendOptional appends a string that may be null.
func appendOptional(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return jsonw.String(b, *s)
}

// volumeSize is about what a volume takes in JSON.
const volumeSize = 256

// appendVolumes appends list as a JSON array.
func appendVolumes(b []byte, list []StorageVolume) []byte {
	b = slices.Grow(b, len(list)*volumeSize)
	b = append(b, '[')
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendVolume(b, &list[i])
	}
	return append(b, ']')
}

func appendVolume(b []byte, v *StorageVolume) []byte {
	b = append(b, `{"name":`...)
	b = jsonw.String(b, v.Name)
	b = append(b, `,"type":`...)
	b = jsonw.String(b, v.Type)
	b = append(b, `,"capacity":`...)
	b = strconv.AppendUint(b, v.Capacity, 10)
	b = append(b, `,"allocation":`...)
	b = strconv.AppendUint(b, v.Allocation, 10)
	b = append(b, `,"format":`...)
	b = jsonw.String(b, v.Format)
	b = append(b, `,"path":`...)
	b = jsonw.String(b, v.Path)
	b = append(b, `,"used_by":`...)
	b = jsonw.Strings(b, v.UsedBy)
	b = append(b, `,"isvalid":`...)
	b = jsonw.Bool(b, v.IsValid)
	if v.OSDistro != "" {
		b = append(b, `,"os_distro":`...)
		b = jsonw.String(b, v.OSDistro)
	}
	if v.OSVersion != "" {
		b = append(b, `,"os_version":`...)
		b = jsonw.String(b, v.OSVersion)
	}
	if v.Bootable != nil {
		b = append(b, `,"bootable":`...)
		b = jsonw.Bool(b, *v.Bootable)
	}
	if v.Pool != "" {
		b = append(b, `,"pool":`...)
		b = jsonw.String(b, v.Pool)
	}
	return append(b, '}')
}
