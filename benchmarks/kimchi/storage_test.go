package kimchi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt"
	"github.com/netslice/netslice/virt/libvirt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

// BenchmarkListVolumes lists a pool of 1,000 volumes (test driver).
func BenchmarkListVolumes(b *testing.B) {
	drv, err := libvirt.Open(libvirttest.URI(b), libvirt.Options{})
	if err != nil {
		b.Skipf("libvirt unavailable: %v", err)
	}
	defer drv.Close()
	ctx := context.Background()
	for i := range 1000 {
		if _, err := drv.CreateVolume(ctx, "default", virt.VolumeSpec{Name: fmt.Sprintf("v%04d.qcow2", i), Capacity: 1 << 20, Format: "qcow2"}); err != nil {
			b.Fatal(err)
		}
	}
	svc, err := kimchi.NewService(memory.New(nil), kimchi.Options{Driver: drv})
	if err != nil {
		b.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	defer stop()
	go svc.Run(run)
	c := client()
	url := serve(b, svc).URL + "/plugins/kimchi/storagepools/default/storagevolumes"
	body := get(b, c, url)
	var vols []kimchi.StorageVolume
	if err := json.Unmarshal(body, &vols); err != nil || len(vols) != 1001 {
		b.Fatalf("%d volumes, %v", len(vols), err)
	}
	made := false
	sideBySide(b, c, url, body, func() {
		// A change through the driver: the list is read from libvirt
		// again. A volume made, then deleted (the test driver cannot
		// resize one).
		var err error
		if made = !made; made {
			_, err = drv.CreateVolume(ctx, "default", virt.VolumeSpec{Name: "extra.qcow2", Capacity: 1 << 20, Format: "qcow2"})
		} else {
			err = drv.DeleteVolume(ctx, "default", "extra.qcow2")
		}
		if err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkUpload1GiB uploads a 1 GiB file in 8 MiB chunks (multipart,
// as Kimchi's UI sends them) into a directory pool on libvirt's real
// storage driver, beside cp of the same file on the same disk.
func BenchmarkUpload1GiB(b *testing.B) {
	const size, chunk = 1 << 30, 8 << 20
	lv := libvirttest.StartStorageDaemon(b)
	drv, err := libvirt.Open(lv.URI(), libvirt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer drv.Close()
	ctx := context.Background()
	dir := lv.Dir(b, "images")
	if _, err := drv.DefinePool(ctx, virt.PoolSpec{Name: "images", Type: "dir", Path: dir}); err != nil {
		b.Fatal(err)
	}
	if err := drv.StartPool(ctx, "images"); err != nil {
		b.Fatal(err)
	}
	svc, err := kimchi.NewService(memory.New(nil), kimchi.Options{Driver: drv})
	if err != nil {
		b.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	defer stop()
	go svc.Run(run)
	srv := serve(b, svc)

	src := filepath.Join(lv.Dir(b, "src"), "source.img")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, chunk)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	for range size / chunk {
		f.Write(buf)
	}
	f.Close()
	c := client()
	base := srv.URL + "/plugins/kimchi/storagepools/images/storagevolumes"

	b.Run("kimchi", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for i := range b.N {
			b.StopTimer()
			name := fmt.Sprintf("up%d.img", i)
			body, _ := json.Marshal(map[string]any{"name": name, "capacity": size, "upload": true})
			b.StartTimer()
			res, err := c.Post(base, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			var t kimchi.Task
			json.NewDecoder(res.Body).Decode(&t)
			res.Body.Close()
			in, _ := os.Open(src)
			for off := 0; off < size; off += chunk {
				// As a browser sends FormData: multipart with a length.
				var head bytes.Buffer
				mw := multipart.NewWriter(&head)
				mw.WriteField("chunk_size", fmt.Sprint(chunk))
				mw.CreateFormFile("chunk", "blob")
				tail := "\r\n--" + mw.Boundary() + "--\r\n"
				body := io.MultiReader(bytes.NewReader(head.Bytes()), io.NewSectionReader(in, int64(off), chunk), strings.NewReader(tail))
				req, _ := http.NewRequest("PUT", base+"/"+name, body)
				req.ContentLength = int64(head.Len() + chunk + len(tail))
				req.Header.Set("Content-Type", mw.FormDataContentType())
				res, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 204 {
					b.Fatalf("chunk at %d: %d", off, res.StatusCode)
				}
			}
			in.Close()
			if t, err = svc.WaitTask(ctx, t.ID); err != nil || t.Status != kimchi.TaskFinished {
				b.Fatalf("%v %+v", err, t)
			}
			b.StopTimer()
			drv.DeleteVolume(ctx, "images", name)
			b.StartTimer()
		}
	})
	b.Run("cp", func(b *testing.B) {
		b.SetBytes(size)
		for i := range b.N {
			dst := filepath.Join(dir, fmt.Sprintf("cp%d.img", i))
			if out, err := exec.Command("cp", src, dst).CombinedOutput(); err != nil {
				b.Fatalf("%v %s", err, out)
			}
			// As the upload does before it places the volume.
			if out, err := exec.Command("sync", dst).CombinedOutput(); err != nil {
				b.Fatalf("%v %s", err, out)
			}
			b.StopTimer()
			os.Remove(dst)
			b.StartTimer()
		}
	})
}
