package kimchi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/openapi"
	"github.com/netslice/netslice/httpapi/internal/openapitest"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt"
	"github.com/netslice/netslice/virt/libvirt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

// noHostActions lets the host's actions succeed, doing nothing.
type noHostActions struct{}

func (noHostActions) Reboot(context.Context) error                   { return nil }
func (noHostActions) Shutdown(context.Context) error                 { return nil }
func (noHostActions) Update(_ context.Context, _ func(string)) error { return nil }

// Every operation of the document the handler serves answers as
// documented, on libvirt's test hypervisor, and nothing else is served:
// on libvirttest's node and on the stock test:///default, whose node
// devices have parents (listing them once aborted the process).
func TestOpenAPIWalk(t *testing.T) {
	t.Run("libvirttest", func(t *testing.T) { walk(t, libvirttest.Open(t)) })
	t.Run("test:///default", func(t *testing.T) {
		d, err := libvirt.Open("test:///default", libvirt.Options{})
		if err != nil {
			t.Skipf("libvirt test driver unavailable (needs cgo and libvirt0): %v", err)
		}
		defer d.Close()
		// Kimchi's templates default to a pool named "default"; the
		// stock hypervisor's is "default-pool": made as the server makes
		// it at start.
		ensureDefaults(t, d)
		// Its VM "test" runs; the walk reboots the host, which Kimchi
		// refuses while VMs run.
		require.NoError(t, d.Poweroff(t.Context(), "test"))
		// It has no PCI device to pass through.
		walk(t, d, "getHostDevice", "listVMHolders", "getVMHolder", "attachHostDev", "getHostDev", "detachHostDev")
	})
}

// ensureDefaults makes the pool and network templates default to, as the
// server does when it starts.
func ensureDefaults(t *testing.T, drv virt.Driver) {
	svc, err := kimchi.NewService(memory.New(nil), kimchi.Options{Driver: drv, DefaultPoolPath: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, svc.EnsureDefaults(t.Context()))
}

func walk(t *testing.T, drv virt.Driver, mayFail ...string) {
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	svc, err := kimchi.NewService(st, kimchi.Options{
		Driver:         drv,
		DebugReportDir: t.TempDir(),
		HostActions:    noHostActions{},
		Distros:        []kimchi.Distro{{Name: "Debian 12", OSDistro: "debian", OSVersion: "12", Path: "https://cdimage.example/debian-12.iso"}},
	})
	require.NoError(t, err)
	running(t, svc)
	h := kimchi.NewHandler(svc, kimchi.HandlerOptions{})

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var doc openapi.Doc
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))

	// settle waits for a task a call started.
	settle := func(_ string, body []byte) {
		var task kimchi.Task
		if json.Unmarshal(body, &task) != nil || task.ID == "" || task.Target == "" {
			return
		}
		deadline := time.Now().Add(10 * time.Second)
		for task.Status == kimchi.TaskRunning && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/tasks/"+task.ID, nil))
			json.Unmarshal(rec.Body.Bytes(), &task)
		}
		require.Equal(t, kimchi.TaskFinished, task.Status, "task %s: %s", task.ID, task.Message)
	}
	openapitest.Walk(t, h, &doc, openapitest.Options{
		IgnoresAccept: true,
		Settle:        settle,
		Order: []string{"createTemplate", "createStorageVolume", "resizeStorageVolume", "wipeStorageVolume",
			"cloneStorageVolume", "createVM", "createNetwork", "createStoragePool",
			"activateNetwork", "deactivateNetwork", "activateStoragePool", "deactivateStoragePool", // inactive, to be deleted
			"startVM", "suspendVM", "resumeVM", "resetVM", "connectVM", "shutdownVM",
			"createSnapshot", "revertSnapshot", // before the disks and interfaces change
			"detachStorage", "deleteVM", "deleteTemplate"},
		AnyValue: []string{"server"}, // any host may be asked what it exports
		// What cannot succeed here: the VM is off by then (the actions
		// run in turn); repository edits are not allowed by default (the
		// embedding program decides); the test hypervisor cannot resize,
		// wipe or migrate; uploads are multipart, which the walk does not
		// send (the upload tests do); a disk's path cannot change (only a
		// CD-ROM's); the host's interfaces come from the embedding program
		// (Options.Links), none here; a storage server is one a network
		// pool uses, none here; partitions and package updates are this
		// machine's, whatever they are.
		MayFail: append([]string{"poweroffVM", "getVMScreenshot", "migrateVM", "resizeStorageVolume", "wipeStorageVolume",
			"uploadStorageVolume", "updateStorage", "getInterface", "getStorageServer", "getPartition", "getPackageUpdate",
			"addRepository", "getRepository", "updateRepository", "removeRepository", "enableRepository", "disableRepository"},
			mayFail...),
	})
}
