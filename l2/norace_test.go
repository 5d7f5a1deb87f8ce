//go:build !race

package l2_test

const raceEnabled = false
