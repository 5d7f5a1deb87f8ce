package l2

// Arrival is a frame to decide: where it entered the fabric (the VLAN being
// its tag, or Untagged) and its addresses.
type Arrival struct {
	In       Location
	Src, Dst MAC
}

// batch is how many frames DecideAll starts loading ahead of deciding
// them: enough to keep the memory system busy, few enough that what was
// loaded is still in the first-level cache when it is used.
const batch = 16

// DecideAll decides frames as Decide would one after the other, writing
// the decision of frames[i] to ds[i]; it panics when ds is shorter than
// frames. On a fabric too large for the caches it costs less per frame
// than Decide: it starts loading the learning table slots of a group of
// frames before deciding the first of them, so that their cache misses
// overlap instead of following each other.
func (f *Fabric) DecideAll(frames []Arrival, ds []Decision) {
	if len(ds) < len(frames) {
		panic("l2: DecideAll given fewer decisions than frames")
	}
	for len(frames) > 0 {
		n := min(len(frames), batch)
		for i := range frames[:n] {
			f.tab.touch(frames[i].Src.Uint64())
			f.tab.touch(frames[i].Dst.Uint64())
		}
		for i := range frames[:n] {
			ds[i] = Decision{}
			f.decideInto(&ds[i], frames[i].In, frames[i].Src, frames[i].Dst)
		}
		frames, ds = frames[n:], ds[n:]
	}
}
