package neutron

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestOptionsMatchTheTables: each XOptions names exactly the attributes a
// request may give an X (the tables' post and put ones; tenant_id, the
// old name of project_id, aside), so the typed API can do all a request
// can and no more.
func TestOptionsMatchTheTables(t *testing.T) {
	for k, opts := range map[*kind]any{
		networks: NetworkOptions{}, subnets: SubnetOptions{}, ports: PortOptions{}, routers: RouterOptions{},
		floatingIPs: FloatingIPOptions{}, securityGroups: SecurityGroupOptions{}, securityGroupRules: SecurityGroupRuleOptions{},
		subnetPools: SubnetPoolOptions{}, addressScopes: AddressScopeOptions{}, rbacPolicies: RBACPolicyOptions{},
		addressGroups: AddressGroupOptions{},
	} {
		var want, got []string
		for name, a := range k.attrs {
			if a.flags&(post|put) != 0 && name != "tenant_id" {
				want = append(want, name)
			}
		}
		typ := reflect.TypeOf(opts)
		for i := range typ.NumField() {
			if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ","); name != "" {
				got = append(got, name)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		assert.Equal(t, want, got, k.plural)
	}
}

// TestEveryKindHasOps: each kind the API serves can be built and deleted
// (a kind added without its operations would answer with a panic).
func TestEveryKindHasOps(t *testing.T) {
	for _, k := range allKinds {
		ops, ok := kindOps[k]
		if assert.True(t, ok, k.plural) {
			assert.NotNil(t, ops.build, k.plural)
			assert.NotNil(t, ops.delete, k.plural)
		}
	}
	assert.Len(t, kindOps, len(allKinds))
}
