// Command server is netslice all in one process: the REST surfaces on one
// HTTP mux (the Sliceable API at /sliceable/) and the OpenFlow controller
// running the slicing app, with configuration in a store the fabric
// follows. On its defaults it needs nothing but a directory: the store is
// bolt in ./netslice-data, and both listeners are on loopback.
//
//	go run ./examples/server [flags]
//
// Flags, each also an environment variable:
//
//	-http ADDR        NETSLICE_HTTP        REST listener (127.0.0.1:8080)
//	-openflow ADDR    NETSLICE_OPENFLOW    OpenFlow listener for switches (127.0.0.1:6653)
//	-store KIND       NETSLICE_STORE       memory, bolt or etcd (bolt)
//	-data DIR         NETSLICE_DATA        bolt's directory (netslice-data)
//	-etcd ENDPOINTS   NETSLICE_ETCD        etcd endpoints, comma separated
//	-log-level LEVEL  NETSLICE_LOG_LEVEL   debug, info, warn or error (info)
//
// It stops gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/slicing"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/bolt"
	"github.com/netslice/netslice/store/etcd"
	"github.com/netslice/netslice/store/memory"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

type config struct {
	http, openflow, store, data, etcd, logLevel string
}

func parseFlags(args []string) (config, error) {
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.StringVar(&c.http, "http", env("NETSLICE_HTTP", "127.0.0.1:8080"), "REST listener address (NETSLICE_HTTP)")
	fs.StringVar(&c.openflow, "openflow", env("NETSLICE_OPENFLOW", "127.0.0.1:6653"), "OpenFlow listener address (NETSLICE_OPENFLOW)")
	fs.StringVar(&c.store, "store", env("NETSLICE_STORE", "bolt"), "store backend: memory, bolt or etcd (NETSLICE_STORE)")
	fs.StringVar(&c.data, "data", env("NETSLICE_DATA", "netslice-data"), "data directory for bolt (NETSLICE_DATA)")
	fs.StringVar(&c.etcd, "etcd", env("NETSLICE_ETCD", ""), "etcd endpoints, comma separated (NETSLICE_ETCD)")
	fs.StringVar(&c.logLevel, "log-level", env("NETSLICE_LOG_LEVEL", "info"), "debug, info, warn or error (NETSLICE_LOG_LEVEL)")
	return c, fs.Parse(args)
}

func openStore(ctx context.Context, c config) (store.Store, string, error) {
	switch c.store {
	case "memory":
		return memory.New(nil), "memory (not kept)", nil
	case "bolt":
		if err := os.MkdirAll(c.data, 0o755); err != nil {
			return nil, "", err
		}
		path := filepath.Join(c.data, "netslice.db")
		s, err := bolt.Open(path, nil)
		return s, "bolt " + path, err
	case "etcd":
		if c.etcd == "" {
			return nil, "", errors.New("-store etcd needs -etcd endpoints")
		}
		eps := strings.Split(c.etcd, ",")
		s, err := etcd.Open(ctx, etcd.Options{Endpoints: eps, Prefix: "/netslice/"})
		return s, "etcd " + c.etcd, err
	}
	return nil, "", fmt.Errorf("unknown store %q: want memory, bolt or etcd", c.store)
}

// run serves until ctx ends. ready, if set, receives the REST and
// OpenFlow addresses once both listen.
func run(ctx context.Context, args []string, out io.Writer, ready chan<- [2]string) error {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	st, desc, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()

	// The data plane: a fabric, the slicing app realizing it on switches,
	// and the fabric following the Sliceable API's configuration.
	var app *slicing.App
	fabric := l2.NewFabric(l2.Options{Events: func(ev l2.Event) { app.FabricEvent(ev) }})
	app = slicing.New(fabric, slicing.Options{Logger: log})
	ctrl := &openflow.Controller{Handler: app, Logger: log}

	api, err := sliceable.New(sliceable.Options{Store: st, Logger: log})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	httpapi.Mount(mux, api)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{
			"surfaces": []string{api.Prefix()},
			"fabric":   fabric.Stats(),
			"switches": len(ctrl.Switches()),
		})
	})

	hl, err := net.Listen("tcp", c.http)
	if err != nil {
		return err
	}
	ol, err := net.Listen("tcp", c.openflow)
	if err != nil {
		hl.Close()
		return err
	}
	fmt.Fprintf(out, "netslice: store %s\n", desc)
	fmt.Fprintf(out, "netslice: REST on http://%s%s (Sliceable API)\n", hl.Addr(), api.Prefix())
	fmt.Fprintf(out, "netslice: OpenFlow 1.0/1.3 controller on %s\n", ol.Addr())
	if ready != nil {
		ready <- [2]string{hl.Addr().String(), ol.Addr().String()}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 3)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { errs <- srv.Serve(hl) }()
	go func() { errs <- ctrl.Serve(ol) }()
	go func() { errs <- sliceable.Follow(ctx, st, fabric, app.Update, sliceable.FollowOptions{Logger: log}) }()
	go app.Run(ctx)

	select {
	case <-ctx.Done():
	case err = <-errs:
		log.Error("stopping", "err", err)
	}
	fmt.Fprintln(out, "netslice: shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	srv.Shutdown(sctx)
	ctrl.Shutdown(sctx)
	cancel()
	if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, openflow.ErrControllerClosed) && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
