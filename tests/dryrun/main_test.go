//go:build apiserver

// Package dryrun_test runs the server-side gate against a real
// kube-apiserver and etcd on loopback: the committed out/ of every
// environment must be accepted, and each rejection fixture must be
// reported with the server's reason. Run it with make apiserver-test, which
// builds the API server (tests/apiserver) and sets KUBE_APISERVER; etcd
// comes from $ETCD or the PATH (Debian's etcd-server).
package dryrun_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/dryrun"
	"github.com/manifold-dev/manifold/lib/manifest"
	"github.com/manifold-dev/manifold/lib/schemas"
)

// kubeconfig is the file the commands under test connect with.
var kubeconfig string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run starts etcd and the API server, installs the CRDs, runs the tests and
// stops everything it started, whatever happens on the way.
func run(m *testing.M) int {
	apiserver := os.Getenv("KUBE_APISERVER")
	if apiserver == "" {
		fmt.Fprintln(os.Stderr, "KUBE_APISERVER is not set: run make apiserver-test")
		return 1
	}
	etcd := os.Getenv("ETCD")
	if etcd == "" {
		etcd = "etcd"
	}
	dir, err := os.MkdirTemp("", "manifold-apiserver-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			stop(p)
		}
	}()
	start := func(name string, args ...string) error {
		logf, err := os.Create(filepath.Join(dir, filepath.Base(name)+".log"))
		if err != nil {
			return err
		}
		cmd := exec.Command(name, args...)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			return err
		}
		procs = append([]*exec.Cmd{cmd}, procs...) // stopped in reverse order
		return nil
	}
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "apiserver test setup:", err)
		for _, name := range []string{"etcd.log", "kube-apiserver.log"} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				fmt.Fprintf(os.Stderr, "--- last of %s:\n%s\n", name, tail(string(b), 40))
			}
		}
		return 1
	}

	clientPort, peerPort, securePort := freePort(), freePort(), freePort()
	etcdURL := "http://127.0.0.1:" + clientPort
	peerURL := "http://127.0.0.1:" + peerPort
	if err := start(etcd, "--name", "manifold", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "manifold="+peerURL); err != nil {
		return fail(err)
	}
	token, err := files(dir)
	if err != nil {
		return fail(err)
	}
	certDir := filepath.Join(dir, "certs")
	if err := start(apiserver,
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", securePort,
		"--cert-dir", certDir,
		"--token-auth-file", filepath.Join(dir, "tokens.csv"),
		"--authorization-mode", "RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file", filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range", "10.96.0.0/16",
		"--endpoint-reconciler-type", "none",
	); err != nil {
		return fail(err)
	}
	host := "https://127.0.0.1:" + securePort
	if err := waitReady(host, token, 3*time.Minute); err != nil {
		return fail(err)
	}
	kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority: %s
contexts:
- name: test
  context: {cluster: test, user: admin}
current-context: test
users:
- name: admin
  user: {token: %s}
`, host, filepath.Join(certDir, "apiserver.crt"), token)), 0o600); err != nil {
		return fail(err)
	}
	if err := installCRDs(); err != nil {
		return fail(err)
	}
	return m.Run()
}

// files writes the token file and the service-account key pair, and
// returns the admin's token.
func files(dir string) (string, error) {
	token := rand.Text()
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(token+",admin,admin,system:masters\n"), 0o600); err != nil {
		return "", err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.key"), pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return "", err
	}
	return token, os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
}

// waitReady polls the server's /readyz until it answers 200.
func waitReady(host, token string, limit time.Duration) error {
	cfg := &rest.Config{Host: host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{Insecure: true}}
	tr, err := rest.TransportFor(cfg)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	deadline := time.Now().Add(limit)
	var last string
	for time.Now().Before(deadline) {
		resp, err := client.Get(host + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("the API server was not ready within %s: %s", limit, last)
}

// installCRDs creates every CRD of the newest pinned component versions,
// from the same module files the schemas are generated from.
func installCRDs() error {
	var objs []dryrun.Object
	for _, comp := range schemas.PinsOf(apps.Envs()).Components {
		for _, src := range schemas.CRDSources(comp) {
			dir, err := schemas.ModuleDir(context.Background(), src.Module, src.Version)
			if err != nil {
				return err
			}
			names, err := src.Files(dir)
			if err != nil {
				return err
			}
			for _, name := range names {
				data, err := os.ReadFile(name)
				if err != nil {
					return err
				}
				docs, probs := manifest.Read(data)
				if len(probs) > 0 {
					return fmt.Errorf("%s:%d: %s", name, probs[0].Line, probs[0].Message)
				}
				for _, d := range docs {
					if d.Kind() == "CustomResourceDefinition" {
						objs = append(objs, dryrun.Object{File: name, Doc: d})
					}
				}
			}
		}
	}
	c, err := dryrun.Connect(kubeconfig, "")
	if err != nil {
		return err
	}
	fs, err := c.Run(context.Background(), objs, dryrun.Options{CreateMissing: true})
	if err != nil {
		return err
	}
	for _, f := range fs {
		fmt.Fprintln(os.Stderr, "CRD install:", f)
	}
	fmt.Fprintf(os.Stderr, "installed %d CRDs\n", len(objs))
	return nil
}

// stop ends a process group: SIGTERM, then SIGKILL after ten seconds.
func stop(cmd *exec.Cmd) {
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
}

// freePort returns a loopback port nobody listens on.
func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
