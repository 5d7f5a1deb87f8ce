package kimchi

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DebugReport is an archive of logs and system facts made for a bug
// report.
type DebugReport struct {
	Name string `json:"name"`
	URI  string `json:"uri"`  // its content, relative to the mount point
	Time string `json:"time"` // when it was made (RFC 3339)
}

var reportName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func reportNotFound(name string) error {
	return notFound("KCHDR0001E", "Debug report %s does not exist", name)
}

const reportExt = ".tar.gz"

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// reportPath is a report's file, or an error for a name that is not one.
func (s *Service) reportPath(name string) (string, error) {
	if !reportName.MatchString(name) {
		return "", invalid("KCHDR0007E", "Name should be a string. Only letters, digits, underscore ('_') and hyphen ('-') are allowed.")
	}
	return filepath.Join(s.opts.DebugReportDir, name+reportExt), nil
}

func (s *Service) reportView(name string, info fs.FileInfo) DebugReport {
	return DebugReport{Name: name, URI: "/debugreports/" + name + "/content", Time: info.ModTime().UTC().Format(time.RFC3339)}
}

// DebugReports lists the reports, by name.
func (s *Service) DebugReports() ([]DebugReport, error) {
	entries, err := os.ReadDir(s.opts.DebugReportDir)
	if errors.Is(err, fs.ErrNotExist) {
		return []DebugReport{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []DebugReport{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), reportExt)
		if !ok || !e.Type().IsRegular() || !reportName.MatchString(name) {
			continue // temporary files, and anything else
		}
		if info, err := e.Info(); err == nil {
			out = append(out, s.reportView(name, info))
		}
	}
	return out, nil
}

// DebugReport returns one report.
func (s *Service) DebugReport(name string) (DebugReport, error) {
	p, err := s.reportPath(name)
	if err != nil {
		return DebugReport{}, reportNotFound(name)
	}
	info, err := os.Lstat(p)
	if err != nil || !info.Mode().IsRegular() {
		return DebugReport{}, reportNotFound(name)
	}
	return s.reportView(name, info), nil
}

// OpenDebugReport opens a report's archive: a regular file in the report
// directory, never a link out of it.
func (s *Service) OpenDebugReport(name string) (*os.File, error) {
	p, err := s.reportPath(name)
	if err != nil {
		return nil, reportNotFound(name)
	}
	f, err := os.OpenFile(p, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return nil, reportNotFound(name)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, reportNotFound(name)
	}
	return f, nil
}

// CreateDebugReport starts making a report: a Task. The archive is
// written to a temporary file and renamed into place when complete.
func (s *Service) CreateDebugReport(ctx context.Context, name string) (Task, error) {
	if name == "" {
		// As Kimchi names them, to the millisecond; one taken moves on.
		ms := time.Now().UnixMilli()
		for {
			name = "report-" + strconv.FormatInt(ms, 10)
			if p, _ := s.reportPath(name); !exists(p) {
				break
			}
			ms++
		}
	}
	p, err := s.reportPath(name)
	if err != nil {
		return Task{}, err
	}
	if _, err := os.Lstat(p); err == nil {
		return Task{}, invalid("KCHDR0008E", "Debug report %s already exists", name)
	}
	if err := s.reportRoom(name); err != nil {
		return Task{}, err
	}
	done := func() {
		s.mu.Lock()
		s.report = false
		s.mu.Unlock()
	}
	release, err := s.reserveVolume("=debugreports", name)
	if err != nil {
		done()
		return Task{}, invalid("KCHDR0008E", "Debug report %s already exists", name)
	}
	t, err := s.run(ctx, "/debugreports/"+name, "collecting", func(ctx context.Context, step func(string)) error {
		defer done()
		defer release()
		return s.writeReport(ctx, name, p, step)
	})
	if err != nil {
		release()
		done()
	}
	return t, err
}

// reportRoom claims the one report that may be made at a time, if the
// reports kept leave room for another.
func (s *Service) reportRoom(name string) error {
	reports, err := s.DebugReports()
	if err != nil {
		return err
	}
	var size int64
	for _, r := range reports {
		if info, err := os.Lstat(filepath.Join(s.opts.DebugReportDir, r.Name+reportExt)); err == nil {
			size += info.Size()
		}
	}
	refuse := func(why string, args ...any) error {
		return invalid("KCHDR0003E", "Unable to create debug report %s. Details: "+why, append([]any{name}, args...)...)
	}
	switch {
	case len(reports) >= s.opts.MaxDebugReports:
		return refuse("%d reports are kept, as many as allowed; delete some first", len(reports))
	case size >= s.opts.MaxDebugReportBytes:
		return refuse("the reports kept take %d bytes, as much as allowed; delete some first", size)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.report {
		return refuse("another report is being made; wait for it")
	}
	s.report = true
	return nil
}

func (s *Service) writeReport(ctx context.Context, name, dst string, step func(string)) (err error) {
	if err := os.MkdirAll(s.opts.DebugReportDir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.opts.DebugReportDir, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	add := func(file string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name + "/" + file, Mode: 0o644, Size: int64(len(data)), ModTime: time.Now()}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	addJSON := func(file string, v any, err error) error {
		if err != nil {
			return add(file+".error", []byte(err.Error()+"\n"))
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		return add(file, append(b, '\n'))
	}
	// System facts, as the machine states them.
	for _, p := range []string{"/etc/os-release", "/proc/version", "/proc/cpuinfo", "/proc/meminfo", "/proc/mounts", "/proc/partitions"} {
		if b, err := os.ReadFile(s.hostPath(p)); err == nil {
			if err := add("system"+p, b); err != nil {
				return err
			}
		}
	}
	step("system facts")
	h, err := s.HostInfo()
	if err := addJSON("kimchi/host.json", h, err); err != nil {
		return err
	}
	if s.drv != nil {
		caps, err := s.drv.Capabilities(ctx)
		if err := addJSON("kimchi/capabilities.json", caps, err); err != nil {
			return err
		}
		vms, err := s.drv.Domains(ctx)
		if err := addJSON("kimchi/vms.json", vms, err); err != nil {
			return err
		}
		nets, err := s.drv.Networks(ctx)
		if err := addJSON("kimchi/networks.json", nets, err); err != nil {
			return err
		}
		pools, err := s.drv.Pools(ctx)
		if err := addJSON("kimchi/storagepools.json", pools, err); err != nil {
			return err
		}
	}
	tasks, err := s.Tasks(ctx, "")
	if err := addJSON("kimchi/tasks.json", tasks, err); err != nil {
		return err
	}
	step("kimchi state")
	// Logs: the hypervisor's, and the kernel's when this process may read
	// them.
	for _, p := range []string{"/var/log/libvirt/libvirtd.log", "/var/log/syslog", "/var/log/messages"} {
		if b, err := tailFile(s.hostPath(p), 1<<20); err == nil {
			if err := add("logs"+p, b); err != nil {
				return err
			}
		}
	}
	if out, err := exec.CommandContext(ctx, "dmesg").Output(); err == nil {
		if err := add("logs/dmesg", out); err != nil {
			return err
		}
	}
	step("logs")
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	// Into place, never over something that appeared meanwhile.
	if err := os.Link(f.Name(), dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return invalid("KCHDR0008E", "Debug report %s already exists", name)
		}
		return err
	}
	return nil
}

// tailFile reads the last max bytes of a file.
func tailFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, errors.New("not a file")
	}
	if st.Size() > max {
		f.Seek(st.Size()-max, io.SeekStart)
	}
	return io.ReadAll(io.LimitReader(f, max))
}

// RenameDebugReport renames a report.
func (s *Service) RenameDebugReport(name, newName string) error {
	from, err := s.reportPath(name)
	if err != nil {
		return reportNotFound(name)
	}
	to, err := s.reportPath(newName)
	if err != nil {
		return err
	}
	if info, err := os.Lstat(from); err != nil || !info.Mode().IsRegular() {
		return reportNotFound(name)
	}
	if err := os.Link(from, to); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return invalid("KCHDR0008E", "Debug report %s already exists", newName)
		}
		return err
	}
	return os.Remove(from)
}

// DeleteDebugReport deletes a report.
func (s *Service) DeleteDebugReport(name string) error {
	p, err := s.reportPath(name)
	if err != nil {
		return reportNotFound(name)
	}
	if info, err := os.Lstat(p); err != nil || !info.Mode().IsRegular() {
		return reportNotFound(name)
	}
	return os.Remove(p)
}
