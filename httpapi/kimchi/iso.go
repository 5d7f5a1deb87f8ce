package kimchi

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
)

// isoInfo is what an ISO image says of itself.
type isoInfo struct {
	VolumeID        string
	Distro, Version string
	Bootable        bool
}

const isoSector = 2048

var errNotISO = errors.New("not an ISO 9660 image")

// readISO reads an ISO 9660 image's primary volume descriptor (its volume
// id, from which the distribution is told) and its El Torito boot record
// (bootable when the boot catalog's validation entry checks and its
// default entry is marked bootable).
func readISO(path string) (isoInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return isoInfo{}, err
	}
	defer f.Close()
	return parseISO(f)
}

func parseISO(r io.ReaderAt) (isoInfo, error) {
	var info isoInfo
	sec := make([]byte, isoSector)
	var catalog uint32
	found := false
	// Volume descriptors start at sector 16 and end with a terminator
	// (type 255); a few dozen at most.
descriptors:
	for n := int64(16); n < 16+64; n++ {
		if _, err := r.ReadAt(sec, n*isoSector); err != nil {
			return info, errNotISO
		}
		if string(sec[1:6]) != "CD001" {
			return info, errNotISO
		}
		switch sec[0] {
		case 0: // boot record
			if strings.HasPrefix(string(sec[7:39]), "EL TORITO SPECIFICATION") {
				catalog = binary.LittleEndian.Uint32(sec[71:75])
			}
		case 1: // primary volume descriptor
			info.VolumeID = strings.TrimRight(string(sec[40:72]), " \x00")
			found = true
		case 255: // terminator
			break descriptors
		}
	}
	if !found {
		return info, errNotISO
	}
	if catalog != 0 {
		if _, err := r.ReadAt(sec[:64], int64(catalog)*isoSector); err == nil {
			info.Bootable = validBootCatalog(sec[:64])
		}
	}
	info.Distro, info.Version = distroOf(info.VolumeID)
	return info, nil
}

// validBootCatalog checks an El Torito validation entry (header 1, key
// 55 AA, words summing to zero) and that the default entry is bootable
// (indicator 0x88).
func validBootCatalog(b []byte) bool {
	if b[0] != 1 || b[30] != 0x55 || b[31] != 0xaa {
		return false
	}
	var sum uint16
	for i := 0; i < 32; i += 2 {
		sum += binary.LittleEndian.Uint16(b[i:])
	}
	return sum == 0 && b[32] == 0x88
}

// distros tell a distribution and version from a volume id, as the
// distributions name their images.
var distros = []struct {
	name string
	re   *regexp.Regexp
}{
	{"debian", regexp.MustCompile(`(?i)^debian (\d+(?:\.\d+)*)`)},
	{"ubuntu", regexp.MustCompile(`(?i)^ubuntu(?:-server)? (\d+\.\d+)`)},
	{"fedora", regexp.MustCompile(`(?i)^fedora[- ].*?[- ](\d+)(?:-\d+)*(?:-\d+\.\d+)?$`)},
	{"centos", regexp.MustCompile(`(?i)^centos(?:[- ]stream)?[- ](\d+(?:\.\d+)*)`)},
	{"rhel", regexp.MustCompile(`(?i)^rhel[-_ ](\d+)[._-](\d+)`)},
	{"opensuse", regexp.MustCompile(`(?i)^opensuse[- ](?:leap[- ])?(\d+\.\d+)`)},
	{"sles", regexp.MustCompile(`(?i)^sle-(\d+)(?:-sp(\d+))?`)},
	{"arch", regexp.MustCompile(`(?i)^arch_(\d{6})`)},
	{"gentoo", regexp.MustCompile(`(?i)^gentoo[ -].*?(\d{8})`)},
	{"freebsd", regexp.MustCompile(`(?i)^(\d+)_(\d+)_release_amd64`)},
	{"windows", regexp.MustCompile(`(?i)^(?:[a-z]*_)?(?:win|windows)[_ ]?(\d+|xp|7|8|10|11|srv\d+)`)},
}

func distroOf(volumeID string) (string, string) {
	id := strings.TrimSpace(volumeID)
	for _, d := range distros {
		m := d.re.FindStringSubmatch(id)
		if m == nil {
			continue
		}
		version := m[1]
		if len(m) > 2 && m[2] != "" {
			version += "." + m[2]
		}
		return d.name, strings.ToLower(version)
	}
	return "unknown", "unknown"
}
