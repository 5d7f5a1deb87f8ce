//go:build unix

package kimchi

import (
	"os"
	"syscall"
)

// noFollow makes an open refuse a final symbolic link.
const noFollow = syscall.O_NOFOLLOW

// chownLike gives f the owner of dir (as root; else it cannot).
func chownLike(f *os.File, dir string) {
	if st, err := os.Stat(dir); err == nil && os.Geteuid() == 0 {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			f.Chown(int(sys.Uid), int(sys.Gid))
		}
	}
}
