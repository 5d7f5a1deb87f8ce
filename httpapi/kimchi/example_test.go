package kimchi_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt/libvirt"
)

// Serve Kimchi over libvirt's in-process test hypervisor, and create a VM
// from a template through the service, as POST /vms does.
func Example() {
	drv, err := libvirt.Open("test:///default", libvirt.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drv.Close()
	ctx := context.Background()
	svc, err := kimchi.NewService(memory.New(nil), kimchi.Options{Driver: drv})
	if err != nil {
		fmt.Println(err)
		return
	}
	run, stop := context.WithCancel(ctx)
	defer stop()
	go svc.Run(run) // fails what a previous run left running, samples the host
	svc.Ready(ctx)
	mux := http.NewServeMux()
	httpapi.Mount(mux, kimchi.NewHandler(svc, kimchi.HandlerOptions{})) // at /plugins/kimchi/

	name, mem, pool := "small", 512, "/storagepools/default-pool"
	if _, err := svc.CreateTemplate(ctx, kimchi.TemplateRequest{Name: &name, Memory: &mem, StoragePool: &pool}); err != nil {
		fmt.Println(err)
		return
	}
	task, err := svc.CreateVM(ctx, kimchi.CreateVMRequest{Name: "web1", Template: "/templates/small"})
	if err != nil {
		fmt.Println(err)
		return
	}
	task, _ = svc.WaitTask(ctx, task.ID)
	fmt.Println(task.Status, task.Target)
	vm, _ := svc.VM(ctx, "web1")
	fmt.Println(vm.Name, vm.State, vm.Memory)
	fmt.Println(svc.VMAction(ctx, "web1", "poweroff"))
	svc.DeleteVM(ctx, "web1")
	// Output:
	// finished /vms/web1
	// web1 shutoff 512
	// KCHVM0049E: Cannot power off web1. Virtual machine is shut off.
}
