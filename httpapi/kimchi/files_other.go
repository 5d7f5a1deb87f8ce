//go:build !unix

package kimchi

import "os"

// noFollow is 0 where there is no O_NOFOLLOW: the Lstat checks before
// opening remain.
const noFollow = 0

// chownLike does nothing where files have no Unix owner.
func chownLike(*os.File, string) {}
