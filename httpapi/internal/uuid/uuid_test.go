package uuid

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUUIDs(t *testing.T) {
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := New(), New()
	assert.Regexp(t, v4, a)
	assert.NotEqual(t, a, b)
	v5 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	assert.Regexp(t, v5, FromName("s", "n"))
	assert.Equal(t, FromName("s", "n"), FromName("s", "n"))
	assert.NotEqual(t, FromName("s", "n"), FromName("s", "m"))
}
