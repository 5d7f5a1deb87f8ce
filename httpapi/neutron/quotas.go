package neutron

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"unicode/utf8"
)

// quotaResources are the resources quotas count, in neutron's order.
var quotaResources = []string{"network", "subnet", "subnetpool", "port", "router", "floatingip", "security_group", "security_group_rule", "rbac_policy"}

func kindOf(resource string) *kind {
	for _, k := range allKinds {
		if k.singular == resource {
			return k
		}
	}
	return nil
}

// Quota returns a project's quotas (-1: unlimited). Others than admins
// see only their own project's.
func (s *Service) Quota(ctx context.Context, project string) (map[string]int, error) {
	c := callerFrom(ctx)
	if !c.Admin && c.Project != project {
		return nil, forbidden("rule:get_quota")
	}
	out := map[string]int{}
	err := s.read(ctx, func(v *view) error {
		for _, r := range quotaResources {
			out[r] = v.quota(s, project, r)
		}
		return nil
	})
	return out, err
}

// DefaultQuota returns the quotas a project has until an admin sets
// others.
func (s *Service) DefaultQuota() map[string]int {
	out := map[string]int{}
	for _, r := range quotaResources {
		out[r] = s.opts.Quotas[r]
	}
	return out
}

// QuotaDetail is a resource's limit and use.
type QuotaDetail struct {
	Limit    int `json:"limit"`
	Used     int `json:"used"`
	Reserved int `json:"reserved"`
}

// QuotaUsage returns a project's quotas with what it uses of each.
func (s *Service) QuotaUsage(ctx context.Context, project string) (map[string]QuotaDetail, error) {
	c := callerFrom(ctx)
	if !c.Admin && c.Project != project {
		return nil, forbidden("rule:get_quota")
	}
	out := map[string]QuotaDetail{}
	err := s.read(ctx, func(v *view) error {
		for _, r := range quotaResources {
			out[r] = QuotaDetail{Limit: v.quota(s, project, r), Used: v.counts[project][kindOf(r)]}
		}
		return nil
	})
	return out, err
}

// ProjectQuota is a project's quotas as listed.
type ProjectQuota struct {
	Project string
	Limits  map[string]int
}

// Quotas lists the projects whose quotas differ from the defaults
// (admins only).
func (s *Service) Quotas(ctx context.Context) ([]ProjectQuota, error) {
	if !callerFrom(ctx).Admin {
		return nil, forbidden("rule:get_quota")
	}
	var out []ProjectQuota
	err := s.read(ctx, func(v *view) error {
		for p := range v.quotas {
			q := ProjectQuota{Project: p, Limits: map[string]int{}}
			for _, r := range quotaResources {
				q.Limits[r] = v.quota(s, p, r)
			}
			out = append(out, q)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Project < out[j].Project })
	return out, err
}

// SetQuota changes some of a project's quotas (admins only) and returns
// them all. A limit is an integer, -1 for none.
func (s *Service) SetQuota(ctx context.Context, project string, limits map[string]any) (map[string]int, error) {
	if !callerFrom(ctx).Admin {
		return nil, forbidden("rule:update_quota")
	}
	if project == "" {
		return nil, badRequest("a project is required")
	}
	parsed := map[string]int{}
	var unknown []string
	for r, val := range limits {
		if !slices.Contains(quotaResources, r) {
			unknown = append(unknown, r)
			continue
		}
		raw, _ := json.Marshal(val)
		n, err := vInt(-1, 1<<31-1)(raw)
		if err != nil {
			return nil, invalidAttr(r, err.Error())
		}
		var i int
		json.Unmarshal(n, &i)
		parsed[r] = i
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, badRequest("Unrecognized attribute(s) '%s'", joinComma(unknown))
	}
	err := s.write(ctx, func(v *view, t *txn) error {
		q := map[string]int{}
		var rev int64
		if e, ok := v.quotas[project]; ok {
			for k, n := range e.limits {
				q[k] = n
			}
			rev = e.rev
		}
		for k, n := range parsed {
			q[k] = n
		}
		key := s.k.quota(project)
		t.cond(storeIfModRevision(key, rev))
		t.put(key, q)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Quota(ctx, project)
}

// ResetQuota returns a project to the default quotas (admins only).
func (s *Service) ResetQuota(ctx context.Context, project string) error {
	if !callerFrom(ctx).Admin {
		return forbidden("rule:delete_quota")
	}
	return s.write(ctx, func(v *view, t *txn) error {
		if _, ok := v.quotas[project]; ok {
			t.del(s.k.quota(project))
		}
		return nil
	})
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// Tags.

const maxTagLen = 255

// kindByCollection returns the taggable kind of a collection name.
func kindByCollection(plural string) (*kind, error) {
	k := kindsByPlural[plural]
	if k == nil || !k.tagged {
		return nil, fault(ErrNotFound, "HTTPNotFound", "Resource %s does not support tags.", plural)
	}
	return k, nil
}

// Tags returns a resource's tags ("networks", id).
func (s *Service) Tags(ctx context.Context, collection, id string) ([]string, error) {
	k, err := kindByCollection(collection)
	if err != nil {
		return nil, err
	}
	var out []string
	err = s.read(ctx, func(v *view) error {
		obj, err := v.visible(callerFrom(ctx), k, id)
		if err == nil {
			out = tagsOf(obj)
		}
		return err
	})
	return out, err
}

func tagsOf(obj any) []string {
	return reflect.ValueOf(obj).Elem().FieldByName("Tags").Interface().([]string)
}

// SetTags replaces a resource's tags.
func (s *Service) SetTags(ctx context.Context, collection, id string, tags []string) ([]string, error) {
	seen := map[string]bool{}
	for _, tag := range tags {
		if err := checkTag(tag); err != nil {
			return nil, err
		}
		if seen[tag] {
			return nil, invalidAttr("tags", fmt.Sprintf("Duplicate items in the list: '%s'", tag))
		}
		seen[tag] = true
	}
	out := slices.Clone(tags)
	if out == nil {
		out = []string{}
	}
	err := s.retag(ctx, collection, id, func([]string) ([]string, error) { return out, nil })
	return out, err
}

func checkTag(tag string) error {
	if tag == "" || utf8.RuneCountInString(tag) > maxTagLen {
		return invalidAttr("tags", fmt.Sprintf("'%s' is not a valid tag: 1 to %d characters", tag, maxTagLen))
	}
	return nil
}

// AddTag adds a tag to a resource (nothing if it has it).
func (s *Service) AddTag(ctx context.Context, collection, id, tag string) error {
	if err := checkTag(tag); err != nil {
		return err
	}
	return s.retag(ctx, collection, id, func(old []string) ([]string, error) {
		if slices.Contains(old, tag) {
			return nil, nil
		}
		return append(slices.Clone(old), tag), nil
	})
}

// RemoveTag removes a tag; TagNotFound when the resource has not got it.
func (s *Service) RemoveTag(ctx context.Context, collection, id, tag string) error {
	return s.retag(ctx, collection, id, func(old []string) ([]string, error) {
		if !slices.Contains(old, tag) {
			return nil, fault(ErrNotFound, "TagNotFound", "Tag %s could not be found.", tag)
		}
		return slices.DeleteFunc(slices.Clone(old), func(x string) bool { return x == tag }), nil
	})
}

// ClearTags removes every tag.
func (s *Service) ClearTags(ctx context.Context, collection, id string) error {
	return s.retag(ctx, collection, id, func(old []string) ([]string, error) {
		if len(old) == 0 {
			return nil, nil
		}
		return []string{}, nil
	})
}

// retag rewrites a resource's tags with what change returns (nil: no
// change), bumping its revision.
func (s *Service) retag(ctx context.Context, collection, id string, change func(old []string) ([]string, error)) error {
	k, err := kindByCollection(collection)
	if err != nil {
		return err
	}
	c := callerFrom(ctx)
	return s.write(ctx, func(v *view, t *txn) error {
		e := v.get(k, id)
		if e == nil || !v.canSee(c, e.obj) {
			return notFound(k.fault, id)
		}
		if !c.sees(e.obj.(resource).std().TenantID) {
			return forbidden("rule:update_" + k.singular + ":tags")
		}
		tags, err := change(tagsOf(e.obj))
		if err != nil || tags == nil {
			return err
		}
		cp := reflect.New(k.typ)
		cp.Elem().Set(reflect.ValueOf(e.obj).Elem())
		cp.Elem().FieldByName("Tags").Set(reflect.ValueOf(tags))
		obj := cp.Interface()
		std := obj.(resource).std()
		*std = s.touched(*std)
		if sg, ok := obj.(*SecurityGroup); ok {
			sg.Rules = nil
		}
		t.rewrite(k, obj, e.rev)
		return nil
	})
}
