package hostnet

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// bondModes are the bonding driver's modes, by number.
var bondModes = []string{"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"}

// BondMode returns the canonical name of a bond mode given by name or
// number ("4" → "802.3ad").
func BondMode(mode string) (string, error) {
	if slices.Contains(bondModes, mode) {
		return mode, nil
	}
	if n, err := strconv.Atoi(mode); err == nil && n >= 0 && n < len(bondModes) && strconv.Itoa(n) == mode {
		return bondModes[n], nil
	}
	return "", &OpError{Op: "bond mode", Link: mode, Err: ErrInvalid, Sys: errors.New("unknown bond mode")}
}

// Bond options' values, where they are words.
var (
	xmitHashPolicies = []string{"layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac"}
	lacpRates        = []string{"slow", "fast"}
)

// checkBondOption checks one option as the bonding driver takes it: the
// numbers miimon, updelay and downdelay, xmit_hash_policy, lacp_rate.
func checkBondOption(k, v string) error {
	switch k {
	case "miimon", "updelay", "downdelay":
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return errors.New("bond option " + k + "=" + v + ": want a number")
		}
	case "xmit_hash_policy":
		if !slices.Contains(xmitHashPolicies, v) {
			return errors.New("unknown xmit_hash_policy " + v)
		}
	case "lacp_rate":
		if !slices.Contains(lacpRates, v) {
			return errors.New("unknown lacp_rate " + v)
		}
	default:
		return errors.New("unsupported bond option " + k)
	}
	return nil
}

// CheckBondOptions checks a bond's options (not its mode) as
// ParseBondOptions does.
func CheckBondOptions(opts map[string]string) error {
	for k, v := range opts {
		if err := checkBondOption(k, v); err != nil {
			return &OpError{Op: "bond options", Link: k + "=" + v, Err: ErrInvalid, Sys: err}
		}
	}
	return nil
}

// ParseBondOptions parses "mode=4 miimon=100" (oVirt's bonding options)
// into a mode and the other options: miimon, updelay, downdelay,
// xmit_hash_policy and lacp_rate.
func ParseBondOptions(s string) (mode string, opts map[string]string, err error) {
	opts = map[string]string{}
	mode = "balance-rr"
	for _, f := range strings.Fields(s) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return "", nil, &OpError{Op: "bond options", Link: f, Err: ErrInvalid, Sys: errors.New("want key=value")}
		}
		if k == "mode" {
			if mode, err = BondMode(v); err != nil {
				return "", nil, err
			}
			continue
		}
		if err := checkBondOption(k, v); err != nil {
			return "", nil, &OpError{Op: "bond options", Link: f, Err: ErrInvalid, Sys: err}
		}
		opts[k] = v
	}
	return mode, opts, nil
}

// BondOptions returns the options of a bond that apply in its mode, as
// the driver reports them: xmit_hash_policy only where the mode hashes,
// lacp_rate only in 802.3ad, the numbers only when set.
func BondOptions(mode string, opts map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range opts {
		switch k {
		case "miimon", "updelay", "downdelay":
			if n, _ := strconv.Atoi(v); n > 0 {
				out[k] = strconv.Itoa(n)
			}
		case "xmit_hash_policy":
			if mode == "balance-xor" || mode == "802.3ad" || mode == "balance-tlb" || mode == "balance-alb" {
				out[k] = v
			}
		case "lacp_rate":
			if mode == "802.3ad" {
				out[k] = v
			}
		}
	}
	return out
}
