package openflow

// Negotiate exposes negotiate to the tests.
var Negotiate = negotiate
